"""keep_freed_memory: freed blocks are reused instead of mapped afresh."""
from helpers import run_python

# A "step" allocates maps of 4 to 16 MB, uses and frees them, as a training
# step does; after 3 warm-up steps, count the minor page faults (fresh pages
# the kernel maps in) of 10 more (80 MB, 20000 pages a step).
LOOP = '''
import resource, torch
{setup}
sizes = [2**20, 2**21, 3 * 2**20, 2**22, 2**22, 2**22, 2**21]


def step():
    alive = [torch.empty(n).fill_(1) for n in sizes]
    del alive


for _ in range(3):
    step()
start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start)
'''
PLAIN = 'from hgd_mm.engine.allocator import keep_freed_memory'
KEEP = PLAIN + '\nassert keep_freed_memory()'
# Whether glibc's adaptive thresholds have grown past these sizes depends on
# what the process did before (imports included); pinned at glibc's starting
# value, every block is mapped afresh, as in a training step's worst case.
MAPPING = {'MALLOC_MMAP_THRESHOLD_': str(128 * 1024)}


def faults(setup: str) -> int:
    result = run_python(LOOP.format(setup=setup), env=MAPPING)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


def test_freed_blocks_are_reused():
    plain, kept = faults(PLAIN), faults(KEEP)
    assert plain > 10 * 15000, plain  # every step maps its 20000 pages
    assert kept < 10 * 500, kept  # reused from the heap


def test_switch_leaves_malloc_alone():
    result = run_python(
        'from hgd_mm.engine.allocator import keep_freed_memory\n'
        'print(keep_freed_memory())',
        env={'HGD_MM_KEEP_FREED_MEMORY_DISABLE': '1'})
    assert result.stdout.split()[-1] == 'False'
