"""Which precision a CPU run trains in: bf16 autocast only where it is faster.

bf16 autocast is fast only on a CPU with bf16 instructions (x86
``avx512_bf16``/``amx_bf16``, Arm ``bf16``); elsewhere oneDNN emulates it and
a step is many times slower than in fp32 (issue 21: 14.6x for a 3x3 conv on
an AVX2-only CPU). Instructions alone are not enough on x86: with
``avx512_bf16`` but no AMX matrix unit, a training step of the mini configs
took longer in bf16 than in fp32 (``tools/benchmarks/precision_speed.py``,
``docs/results/precision_speed.json``), while on a CPU with AMX the demo
ran faster in bf16 (``docs/results/demo.json``) than in fp32
(``demo_fp32.json``; not timed in turns, and with other HGD defaults, so
indicative only). So ``auto`` takes bf16 with AMX (and on
Arm's BF16 extension, unmeasured here), fp32 everywhere else.
:func:`resolve_precision` decides at run time; ``HGD_MM_PRECISION`` (``auto``
| ``bf16`` | ``fp32``) or an explicit argument forces either path.
:func:`cpu_description` is what benchmark JSON records.

    >>> from hgd_mm.engine.precision import cpu_description, resolve_precision
    >>> resolve_precision()             # 'bf16' or 'fp32'
    >>> cpu_description()['bf16_faster']
"""
import os
import platform
from functools import lru_cache
from typing import Dict, FrozenSet, Optional, Tuple

import torch

__all__ = [
    'PRECISION_ENV', 'PRECISIONS', 'bf16_native', 'bf16_faster',
    'cpu_description', 'decide_precision', 'resolve_precision'
]

PRECISION_ENV = 'HGD_MM_PRECISION'
PRECISIONS = ('auto', 'bf16', 'fp32')
# CPU flags that mean bf16 arithmetic in hardware (x86: AVX512-BF16, AMX;
# Arm: the BF16 extension), and AVX2/AVX512F for the record.
NATIVE_BF16_FLAGS = ('avx512_bf16', 'amx_bf16', 'bf16')
# Of those, the ones with which bf16 autocast trains faster than fp32: x86's
# AMX (measured), Arm's BF16 (not measured here: kept as it was). avx512_bf16
# alone measured slower than fp32 (module docstring).
FASTER_BF16_FLAGS = ('amx_bf16', 'bf16')
RECORDED_FLAGS = ('avx2', 'avx512f', 'avx512_bf16', 'amx_bf16', 'amx_tile',
                  'bf16')


@lru_cache(maxsize=1)
def _cpuinfo() -> Tuple[str, Optional[FrozenSet[str]]]:
    """(model name, flags) from /proc/cpuinfo; flags None off Linux."""
    model, flags = None, None
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                key = key.strip().lower()
                if key in ('model name', 'hardware') and model is None:
                    model = value.strip()
                elif key in ('flags', 'features') and flags is None:
                    flags = frozenset(value.split())
    except OSError:
        pass
    model = model or platform.processor() or platform.machine() or 'CPU'
    return model, flags


def _mkldnn_bf16_supported() -> bool:
    """torch's own probe (oneDNN can run bf16 here, natively or not)."""
    probe = getattr(torch.ops.mkldnn, '_is_mkldnn_bf16_supported', None)
    return bool(probe()) if probe is not None else False


def bf16_native() -> bool:
    """True where the CPU computes bf16 in hardware.

    torch's probe must say yes, and, where the CPU flags can be read, one of
    :data:`NATIVE_BF16_FLAGS` must be present: torch's probe also says yes on
    AVX512 CPUs without bf16 instructions, where oneDNN emulates bf16.
    """
    if not _mkldnn_bf16_supported():
        return False
    flags = _cpuinfo()[1]
    return flags is None or any(f in flags for f in NATIVE_BF16_FLAGS)


def _torch_amx_supported() -> Optional[bool]:
    """torch's own AMX probe (a private API: None where this torch has
    none)."""
    probe = getattr(torch.cpu, '_is_amx_tile_supported', None)
    return bool(probe()) if probe is not None else None


def bf16_faster() -> bool:
    """True where bf16 autocast trains faster than fp32: native bf16
    (:func:`bf16_native`) with one of :data:`FASTER_BF16_FLAGS`; where the
    CPU flags cannot be read (off Linux), torch's AMX probe decides, and
    without one torch's bf16 probe (as before the flags were read)."""
    if not bf16_native():
        return False
    flags = _cpuinfo()[1]
    if flags is None:
        amx = _torch_amx_supported()
        return True if amx is None else amx
    return any(f in flags for f in FASTER_BF16_FLAGS)


def cpu_description() -> Dict[str, object]:
    """The CPU a run used, for provenance (JSON-serialisable).

    Returns:
        dict: ``model`` (name), ``bf16_native`` (:func:`bf16_native`),
        ``bf16_faster`` (:func:`bf16_faster`: what ``auto`` follows),
        ``mkldnn_bf16_supported`` (torch's probe), ``flags`` (each of
        :data:`RECORDED_FLAGS` -> bool, or None where flags are unknown),
        ``machine``, ``logical_cpus``.
    """
    model, flags = _cpuinfo()
    return dict(
        model=model,
        bf16_native=bf16_native(),
        bf16_faster=bf16_faster(),
        mkldnn_bf16_supported=_mkldnn_bf16_supported(),
        flags=None if flags is None else
        {name: name in flags
         for name in RECORDED_FLAGS},
        machine=platform.machine(),
        logical_cpus=os.cpu_count())


def requested_precision(requested: Optional[str] = None) -> str:
    """``requested``, else ``$HGD_MM_PRECISION``, else ``'auto'``; checked."""
    source = 'argument'
    if requested is None:
        requested, source = os.environ.get(PRECISION_ENV) or 'auto', \
            PRECISION_ENV
    value = str(requested).strip().lower()
    if value not in PRECISIONS:
        raise ValueError(
            f'{source}: precision {requested!r} is not one of '
            f'{"|".join(PRECISIONS)}. Use auto (bf16 autocast only where it '
            f'trains faster than fp32: native bf16 with AMX, or Arm bf16), '
            f'bf16 or fp32, e.g. {PRECISION_ENV}=fp32.')
    return value


def decide_precision(requested: Optional[str] = None) -> Tuple[str, str]:
    """The CPU precision and why, as (``'bf16'`` | ``'fp32'``, reason).

    Args:
        requested: ``'auto'``, ``'bf16'`` or ``'fp32'``; None reads
            ``$HGD_MM_PRECISION`` (unset: ``'auto'``).
    """
    value = requested_precision(requested)
    source = 'argument' if requested is not None else PRECISION_ENV
    if value != 'auto':
        forced = f'forced by {source}={value}'
        if value == 'bf16' and not bf16_native():
            forced += ' (this CPU has no native bf16: emulated, slow)'
        return value, forced
    model, flags = _cpuinfo()
    if bf16_faster():
        return 'bf16', f'auto: {model} has native bf16 ({native_flags(flags)})'
    if bf16_native():
        return 'fp32', (f'auto: {model} has native bf16 '
                        f'({native_flags(flags)}) but no AMX: bf16 autocast '
                        f'trains slower than fp32 on such a CPU (measured by '
                        f'tools/benchmarks/precision_speed.py); '
                        f'{PRECISION_ENV}=bf16 forces it')
    return 'fp32', (f'auto: {model} has no native bf16 (bf16 would be '
                    f'emulated, many times slower); {PRECISION_ENV}=bf16 '
                    f'forces it')


def native_flags(flags: Optional[FrozenSet[str]]) -> str:
    """The native-bf16 flags present, for a reason line."""
    if flags is None:
        return "CPU flags unknown, torch's probes say so"
    return ', '.join(f for f in NATIVE_BF16_FLAGS if f in flags)


def resolve_precision(requested: Optional[str] = None) -> str:
    """``'bf16'`` or ``'fp32'``: the precision a CPU run trains in
    (:func:`decide_precision` without the reason)."""
    return decide_precision(requested)[0]
