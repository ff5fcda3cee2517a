"""Training speed and memory of HGD and its peers on the mini setting.

``tools/benchmarks/speed.py``. One invocation measures every method, each in
its own subprocess (``python -m hgd_mm.benchmarks.speed --worker METHOD``),
one after the other, so that the ratios between methods come from the same
machine state and no method inherits another's allocator, caches or thread
pool::

    python tools/benchmarks/speed.py [--iters 20] [--warmup 3]
        [--methods student_only teacher_forward hgd pkd cwd mgd fbkd fitnet]
        [--threads N] [--data-root data/mini_coco] [--out-dir docs/results]
        [--quick]   (1 warm-up, 2 iterations, a 16-image data set: for tests)

Methods:
    student_only     plain student config: ``model.train_step`` (data
                     preprocessing, forward, loss, backward, optimiser step).
    teacher_forward  teacher config: ``teacher.extract_feat`` (backbone + neck)
                     under ``torch.no_grad`` with BatchNorm in eval mode and
                     the config's autocast (bf16 in the mini configs), the
                     way ``FpnTeacherDistill`` runs the teacher; the batch is
                     preprocessed once before timing (``train_step`` of a
                     distillation method preprocesses once for both models).
    hgd, pkd, cwd, mgd, fbkd, fitnet
                     the mini distillation configs: ``model.train_step`` of
                     ``FpnTeacherDistill`` (teacher backbone + neck, student
                     step, distillation losses).

So ``hgd / (student_only + teacher_forward)`` is the distillation overhead
proper: what HGD costs beyond running both networks.

Each worker builds the model from its config (``teacher_ckpt=None``: weights do
not change the cost), the config's optimiser wrapper (in the mini configs
AdamW, gradient clipping, bf16 autocast via ``CPUAmpOptimWrapper``),
and one fixed real batch of the mini train set (the config's dataloader with
``num_workers=0`` and no shuffling, batch size 8); it then runs W warm-up and
N timed iterations on that batch and reports the median seconds/iteration.

Memory, on CPU: there is no device allocator to ask, so memory is the
process's resident set size. ``rss_after_build_mb`` is the RSS once the batch
is loaded and the model built (Python, torch, mmdet, weights);
``peak_mem_mb`` is ``ru_maxrss`` (the RSS high-water mark of the process) at
the end; ``peak_increment_mb`` is their difference: activations kept for
backward, gradients, optimiser state and allocator slack of training. The
allocator keeps freed memory, so these are high-water marks, not live bytes.

The micro-weight part times ``MicroReweighting()`` alone for 10, 100 and 1000
random boxes per image (batch 2, a 100 x 168 grid, about P3 of an 800 x 1344
input) and says whether time grows about linearly with the number of boxes.

Outputs: a table on stdout, ``OUT_DIR/speed.json`` and ``OUT_DIR/speed.md``.
Timings on a machine shared with other jobs vary from run to run; the
settings (cores, threads, load average) are recorded with the numbers.
"""
import argparse
import json
import os
import os.path as osp
import platform
import resource
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

from ..mini import runs as mini_runs
from ..mini.paths import (DATA_ROOT, HGD_CFG, MINI_CONFIGS, QUICK_DATA_ROOT,
                          REPO, RESULTS, STUDENT_CFG, TEACHER_CFG)
from .speed_report import (MICRO_BATCH, MICRO_GRID, MICRO_INPUT,
                           format_markdown, format_table, growth_sentence,
                           micro_growth, overhead_base)

__all__ = ['CONFIGS', 'METHODS', 'parse_args', 'main']

PEERS = osp.join(MINI_CONFIGS, 'peers')
CONFIGS = {
    'student_only': STUDENT_CFG,
    'teacher_forward': TEACHER_CFG,
    'hgd': HGD_CFG,
    'pkd': osp.join(PEERS, 'pkd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'cwd': osp.join(PEERS, 'cwd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'mgd': osp.join(PEERS, 'mgd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'fbkd': osp.join(PEERS, 'fbkd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'fitnet': osp.join(PEERS, 'fitnet_fpn_retina_r18_retina_r18-w16_mini.py'),
}
METHODS = tuple(CONFIGS)
MICRO = 'micro_weights'  # the worker that times MicroReweighting alone
MICRO_BOXES = (10, 100, 1000)
RESULT_MARK = 'SPEED_RESULT '


# --- worker: one method in a fresh process ---------------------------------


def rss_mb() -> float:
    """Current resident set size of this process in MB (Linux /proc)."""
    try:
        with open('/proc/self/statm') as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf('SC_PAGE_SIZE') / 2**20
    except (OSError, ValueError):  # not Linux: the high-water mark instead
        return peak_rss_mb()


def peak_rss_mb() -> float:
    """``ru_maxrss`` in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quiet_mmengine() -> None:
    """Silence mmengine's INFO logging (init_weights prints every tensor)."""
    from mmengine.logging import MMLogger
    MMLogger.get_instance('speed_benchmark', log_level='WARNING')


def load_config(method: str):
    """The method's config, reading the mini data from ``HGD_MINI_DATA``."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    cfg = Config.fromfile(CONFIGS[method])
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if 'teacher_ckpt' in cfg.model:
        cfg.model.teacher_ckpt = None  # weights do not change the cost
    return cfg


def fixed_batch(cfg) -> dict:
    """The first batch of the config's train dataloader, deterministic."""
    from mmengine.runner import Runner
    loader_cfg = cfg.train_dataloader.copy()
    loader_cfg.update(num_workers=0, persistent_workers=False)
    loader_cfg.sampler = dict(loader_cfg.sampler, shuffle=False)
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    return next(iter(loader))


def build_model(cfg):
    """The config's model, initialised as a Runner would, in train mode."""
    from mmengine.registry import MODELS
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    return model


def time_iterations(step, warmup: int, iters: int) -> List[float]:
    """Run ``step`` ``warmup`` times untimed, then ``iters`` times timed."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def train_step_fn(model, cfg, batch: dict, losses: Dict[str, float]):
    """One ``model.train_step`` with the config's OptimWrapper."""
    from mmengine.optim import build_optim_wrapper
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)

    def step():
        log_vars = model.train_step(batch, optim_wrapper)
        losses['loss'] = float(log_vars['loss'])

    return step


def teacher_forward_fn(model, cfg, batch: dict):
    """``extract_feat`` under no_grad, BatchNorm frozen, as the algorithm
    runs its teacher, inside the config's optimiser-wrapper context (bf16
    autocast with ``CPUAmpOptimWrapper``), as in a distillation step;
    preprocessing is done once, outside the timing."""
    import torch
    from mmengine.optim import build_optim_wrapper
    model.eval()  # SingleTeacherDistill(teacher_norm_eval=True)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    with torch.no_grad():
        inputs = model.data_preprocessor(batch, True)['inputs']

    def step():
        with torch.no_grad(), optim_wrapper.optim_context(model):
            model.extract_feat(inputs)

    return step


def measure_method(method: str, warmup: int, iters: int) -> dict:
    """Build, warm up and time one method in this process.

    Args:
        method: a key of ``CONFIGS``.
        warmup: untimed iterations first.
        iters: timed iterations.
    """
    import torch
    cfg = load_config(method)
    batch = fixed_batch(cfg)
    rss_before = rss_mb()
    model = build_model(cfg)
    rss_after_build = rss_mb()
    losses: Dict[str, float] = {}
    if method == 'teacher_forward':
        step = teacher_forward_fn(model, cfg, batch)
    else:
        step = train_step_fn(model, cfg, batch, losses)
    times = time_iterations(step, warmup, iters)
    peak = peak_rss_mb()
    inputs = batch['inputs']
    return {
        'method': method,
        'config': osp.relpath(CONFIGS[method], REPO),
        's_per_iter_median': statistics.median(times),
        's_per_iter_min': min(times),
        's_per_iter_max': max(times),
        'peak_mem_mb': peak,
        'rss_after_build_mb': rss_after_build,
        'peak_increment_mb': peak - rss_after_build,
        'model_mem_mb': rss_after_build - rss_before,
        'params_m': sum(p.numel() for p in model.parameters()) / 1e6,
        'last_loss': losses.get('loss'),
        'threads': torch.get_num_threads(),
        'optim_wrapper': cfg.optim_wrapper.get('type', 'OptimWrapper'),
        'batch': len(inputs),
        'image_size': list(inputs[0].shape[-2:]),
        'warmup': warmup,
        'iters': iters,
    }


def random_boxes(num: int, generator) -> 'torch.Tensor':
    """(num, 4) xyxy boxes inside MICRO_INPUT, sides 4..400 px."""
    import torch
    height, width = MICRO_INPUT
    sides = 4 + torch.rand(num, 2, generator=generator) * 396
    x1 = torch.rand(num, generator=generator) * (width - sides[:, 0])
    y1 = torch.rand(num, generator=generator) * (height - sides[:, 1])
    return torch.stack([x1, y1, x1 + sides[:, 0], y1 + sides[:, 1]], dim=1)


def measure_micro_weights(repeats: int) -> dict:
    """Median ms of ``MicroReweighting()`` per batch for each box count.

    Args:
        repeats: timed calls per box count (after one untimed call).
    """
    import torch
    from hgd_mm.models.weighting import MicroReweighting
    micro = MicroReweighting()
    generator = torch.Generator().manual_seed(0)
    attention = torch.rand(MICRO_BATCH, *MICRO_GRID, generator=generator)
    entries = []
    for num in MICRO_BOXES:
        boxes = [random_boxes(num, generator) for _ in range(MICRO_BATCH)]
        times = time_iterations(
            lambda: micro(boxes, MICRO_INPUT, attention), 1, repeats)
        entries.append({'boxes': num, 'ms': statistics.median(times) * 1e3})
    return {'method': MICRO, 'micro_weights': entries, 'repeats': repeats,
            'threads': torch.get_num_threads()}


def worker_main(args: argparse.Namespace) -> None:
    """Measure one method and print its result as one marked JSON line."""
    import torch
    import hgd_mm  # noqa: F401  (compat fixes + HGD components)
    if args.threads:
        torch.set_num_threads(args.threads)
    quiet_mmengine()
    if args.worker == MICRO:
        result = measure_micro_weights(args.repeats)
    else:
        result = measure_method(args.worker, args.warmup, args.iters)
    print(RESULT_MARK + json.dumps(result), flush=True)


# --- parent: run the workers, write the results -----------------------------


def run_worker(method: str, args: argparse.Namespace) -> dict:
    """Run ``--worker method`` in a subprocess; return its parsed result."""
    command = [sys.executable, '-m', 'hgd_mm.benchmarks.speed', '--worker',
               method, '--warmup', str(args.warmup), '--iters',
               str(args.iters), '--repeats', str(args.repeats)]
    if args.threads:
        command += ['--threads', str(args.threads)]
    env = dict(os.environ, HGD_MINI_DATA=args.data_root.rstrip('/') + '/')
    env.setdefault('PYTHONWARNINGS', 'ignore')
    result = subprocess.run(command, cwd=REPO, env=env,
                            capture_output=True, text=True)
    lines = [line for line in result.stdout.splitlines()
             if line.startswith(RESULT_MARK)]
    if result.returncode != 0 or not lines:
        raise RuntimeError(
            f'speed worker {method!r} failed (exit {result.returncode}); '
            f'rerun it alone to debug:\n  {" ".join(command)}\n'
            f'--- its output (tail) ---\n{result.stdout[-2000:]}'
            f'{result.stderr[-4000:]}')
    return json.loads(lines[-1][len(RESULT_MARK):])


def prepare_data(args: argparse.Namespace) -> None:
    """Make the mini data set unless one is at ``args.data_root`` already."""
    exists = osp.exists(osp.join(args.data_root, 'meta.json'))
    # An existing set is used as it is (any size gives batches of 8 images
    # of the same size); only a missing one is made, tiny under --quick.
    sizes = mini_runs.QUICK_DATA if args.quick and not exists else {}
    print(f'[speed] mini data set in {args.data_root}', flush=True)
    mini_runs.ensure_mini_data(args.data_root, **sizes)


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo, else ``platform.processor()``."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def setting_of(args: argparse.Namespace, runs: List[dict],
               micro: Optional[dict]) -> dict:
    """What the numbers depend on: machine, threads, batch, schedule."""
    import torch
    first = runs[0] if runs else {}
    return {
        'cores': os.cpu_count(),
        'cores_available': len(os.sched_getaffinity(0))
        if hasattr(os, 'sched_getaffinity') else os.cpu_count(),
        'cpu': cpu_name(),
        'load_average_1m_at_start': args.load_at_start,
        'torch': torch.__version__,
        'python': platform.python_version(),
        'threads': sorted({r['threads'] for r in runs} |
                          ({micro['threads']} if micro else set())),
        'threads_flag': args.threads,
        'omp_num_threads_env': os.environ.get('OMP_NUM_THREADS'),
        'batch': first.get('batch'),
        'image_size': first.get('image_size'),
        'optim_wrappers': sorted({r.get('optim_wrapper', '?') for r in runs}),
        'warmup': args.warmup,
        'iters': args.iters,
        'quick': args.quick,
        'data_root': args.data_root,
        'memory': 'CPU RSS: peak_mem_mb = ru_maxrss at the end; '
                  'peak_increment_mb = peak - RSS after model build',
        'micro_weights': {
            'batch': MICRO_BATCH, 'grid': list(MICRO_GRID),
            'input_size': list(MICRO_INPUT),
            'repeats': micro['repeats'] if micro else None
        },
        'date': time.strftime('%Y-%m-%d %H:%M:%S'),
    }


def write_results(out_dir: str, setting: dict, runs: List[dict],
                  micro: List[dict]) -> None:
    """``speed.json`` and ``speed.md`` in ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, 'speed.json'), 'w') as f:
        json.dump({'setting': setting, 'runs': runs, 'micro_weights': micro},
                  f, indent=2)
    with open(osp.join(out_dir, 'speed.md'), 'w') as f:
        f.write(format_markdown(setting, runs, micro))


def main_parent(args: argparse.Namespace) -> dict:
    """Run every requested method and the micro-weight timing; write out."""
    args.load_at_start = round(os.getloadavg()[0], 2)
    prepare_data(args)
    runs = []
    for method in args.methods:
        print(f'[speed] {method} ...', flush=True)
        runs.append(run_worker(method, args))
        print(f'[speed] {method}: {runs[-1]["s_per_iter_median"]:.3f} s/iter, '
              f'peak {runs[-1]["peak_mem_mb"]:.0f} MB', flush=True)
    print('[speed] micro weights ...', flush=True)
    micro = run_worker(MICRO, args)
    setting = setting_of(args, runs, micro)
    write_results(args.out_dir, setting, runs, micro['micro_weights'])
    print('\n' + format_table(runs))
    base = overhead_base(runs)
    hgd = [r for r in runs if r['method'] == 'hgd']
    if base and hgd:
        print(f'hgd / (student_only + teacher_forward) = '
              f'{hgd[0]["s_per_iter_median"] / base:.2f}')
    for entry in micro['micro_weights']:
        print(f'micro weights, {entry["boxes"]:>4} boxes/image: '
              f'{entry["ms"]:.2f} ms')
    print(growth_sentence(micro_growth(micro['micro_weights'])))
    print(f'[speed] wrote {osp.join(args.out_dir, "speed.json")} and '
          f'speed.md')
    return {'setting': setting, 'runs': runs,
            'micro_weights': micro['micro_weights']}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments (``--worker`` is the parent's, to a child).

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='Training speed and memory of HGD and its peers on the '
        'mini setting.')
    parser.add_argument('--methods', nargs='+', choices=METHODS,
                        default=list(METHODS))
    parser.add_argument('--iters', type=int, default=None,
                        help='timed iterations (default 20; 2 with --quick)')
    parser.add_argument('--warmup', type=int, default=None,
                        help='warm-up iterations (default 3; 1 with --quick)')
    parser.add_argument('--repeats', type=int, default=None,
                        help='timed MicroReweighting calls per box count '
                        '(default 7; 3 with --quick)')
    parser.add_argument('--threads', type=int, default=None,
                        help="torch.set_num_threads in the workers (default: "
                        "torch's default)")
    parser.add_argument('--data-root', default=None,
                        help='mini data set (made if missing; default '
                        'data/mini_coco, data/mini_coco_quick with --quick)')
    parser.add_argument('--out-dir',
                        default=RESULTS)
    parser.add_argument('--quick', action='store_true',
                        help='1 warm-up, 2 iterations, tiny data (for tests)')
    parser.add_argument('--worker', choices=METHODS + (MICRO, ),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    defaults = (1, 2, 3) if args.quick else (3, 20, 7)
    for name, default in zip(('warmup', 'iters', 'repeats'), defaults):
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.iters < 1 or args.warmup < 0 or args.repeats < 1:
        parser.error(f'--iters ({args.iters}) and --repeats ({args.repeats}) '
                     f'must be >= 1, --warmup ({args.warmup}) >= 0.')
    if args.data_root is None:
        args.data_root = QUICK_DATA_ROOT if args.quick else DATA_ROOT
    args.data_root = osp.abspath(args.data_root)
    return args


def main(argv: Optional[Sequence[str]] = None) -> Optional[dict]:
    """The parent (all methods; returns the results) or one worker.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    if args.worker:
        return worker_main(args)
    return main_parent(args)


if __name__ == '__main__':  # the workers run as python -m
    main()
