"""Keep freed memory in the process: no page faults on every training step.

glibc's malloc hands large blocks (over a threshold that adapts up to 32 MB)
to ``mmap`` and gives them back with ``munmap`` when freed, and trims the top
of its heap once enough is free there. A training step allocates and frees
the same feature maps, gradients and bf16 weight copies every iteration, so
each step asks the kernel for fresh zeroed pages again: on the mini setting
(one torch thread) a distillation step took 7000-11000 minor page faults and
about 15 % of its time on them (measured with ``ru_minflt``; a plain student
step 3000, a teacher forward 3400). With a fixed high mmap threshold and trim
threshold the blocks stay in the heap and are reused: under 400 faults a step.

The price is that the process keeps its high-water mark of memory (it never
shrinks back), which is what a training process holds at its peak anyway.
This changes only where memory comes from, never a computed value.
"""
import ctypes
import ctypes.util
import os
from typing import Optional

__all__ = ['DISABLE_ENV', 'keep_freed_memory']

#: Set to 1 to leave glibc's malloc as it is.
DISABLE_ENV = 'HGD_MM_KEEP_FREED_MEMORY_DISABLE'
# mallopt parameters (glibc malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks under 32 MB (glibc's largest accepted threshold on 64-bit; the mini
# setting's largest activation is 13 MB) come from the heap; up to 1 GB may
# stay free on it.
MMAP_THRESHOLD = 32 * 2**20
TRIM_THRESHOLD = 2**30


def glibc() -> Optional[ctypes.CDLL]:
    """The C library if it is glibc (has ``mallopt``), else None."""
    name = ctypes.util.find_library('c')
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    return libc if hasattr(libc, 'mallopt') else None


def keep_freed_memory(mmap_threshold: int = MMAP_THRESHOLD,
                      trim_threshold: int = TRIM_THRESHOLD) -> bool:
    """Make this process's malloc keep and reuse freed blocks.

    Call it once at the start of a training (or benchmark) process; it acts
    on allocations made from then on. Returns whether it took effect: False
    where the C library is not glibc (macOS, musl: their allocators behave
    differently and are left alone) or when ``HGD_MM_KEEP_FREED_MEMORY_
    DISABLE=1``.

    Args:
        mmap_threshold: blocks at least this large (bytes) are still mapped
            on their own.
        trim_threshold: free bytes at the top of the heap kept before glibc
            returns them to the system.
    """
    if os.environ.get(DISABLE_ENV, '0') not in ('', '0'):
        return False
    libc = glibc()
    if libc is None:
        return False
    # mallopt returns 1 on success, 0 on an invalid value.
    return bool(libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, trim_threshold))
