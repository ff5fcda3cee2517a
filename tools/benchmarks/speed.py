#!/usr/bin/env python
"""Training speed and memory of HGD and its peers on the mini setting.

One invocation measures every method, each in its own subprocess of this
script (``--worker METHOD``), one after the other, so that the ratios between
methods come from the same machine state and no method inherits another's
allocator, caches or thread pool::

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
import math
import os
import os.path as osp
import platform
import resource
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import mini_runs  # noqa: E402

PEERS = osp.join(mini_runs.MINI, 'peers')
CONFIGS = {
    'student_only': mini_runs.STUDENT_CFG,
    'teacher_forward': mini_runs.TEACHER_CFG,
    'hgd': mini_runs.HGD_CFG,
    'pkd': osp.join(PEERS, 'pkd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'cwd': osp.join(PEERS, 'cwd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'mgd': osp.join(PEERS, 'mgd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'fbkd': osp.join(PEERS, 'fbkd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'fitnet': osp.join(PEERS, 'fitnet_fpn_retina_r18_retina_r18-w16_mini.py'),
}
METHODS = tuple(CONFIGS)
MICRO = 'micro_weights'  # the worker that times MicroReweighting alone
MICRO_BOXES = (10, 100, 1000)
MICRO_BATCH = 2
MICRO_INPUT = (800, 1344)
MICRO_GRID = (100, 168)  # stride 8 of MICRO_INPUT: P3
# Exponent k of t ~ boxes^k between 100 and 1000 boxes up to which the growth
# counts as "about linear": the geometric midpoint between linear (1) and
# quadratic (2, e.g. pairwise box work). The per-box cost itself is not
# constant on a CPU: between 100 and 1000 boxes the (B, chunk, H, W) masks
# outgrow the caches, which alone gives k of about 1.1-1.3 here.
LINEAR_EXPONENT = 1.5
QUICK_DATA = dict(num_train=16, num_val=8)
RESULT_MARK = 'SPEED_RESULT '
DEFAULT_DATA = osp.join(mini_runs.REPO, 'data', 'mini_coco')
# --quick must not overwrite a full data set at the default root.
DEFAULT_QUICK_DATA = osp.join(mini_runs.REPO, 'data', 'mini_coco_quick')


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
        'config': osp.relpath(CONFIGS[method], mini_runs.REPO),
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
    command = [sys.executable, osp.abspath(__file__), '--worker', method,
               '--warmup', str(args.warmup), '--iters', str(args.iters),
               '--repeats', str(args.repeats)]
    if args.threads:
        command += ['--threads', str(args.threads)]
    env = dict(os.environ, HGD_MINI_DATA=args.data_root.rstrip('/') + '/')
    env.setdefault('PYTHONWARNINGS', 'ignore')
    result = subprocess.run(command, cwd=mini_runs.REPO, env=env,
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
    sizes = QUICK_DATA if args.quick and not exists else {}
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


def micro_growth(entries: Sequence[dict]) -> Optional[dict]:
    """Exponent k of t ~ boxes^k from the two largest box counts."""
    if len(entries) < 2:
        return None
    low, high = sorted(entries, key=lambda e: e['boxes'])[-2:]
    exponent = (math.log(high['ms'] / low['ms']) /
                math.log(high['boxes'] / low['boxes']))
    return {'from': low['boxes'], 'to': high['boxes'], 'exponent': exponent,
            'linear': exponent <= LINEAR_EXPONENT}


def growth_sentence(growth: Optional[dict]) -> str:
    if growth is None:
        return 'Growth with the number of boxes: not measured.'
    verdict = ('about linear' if growth['linear'] else
               'NOT linear: closer to quadratic')
    return (f'Time from {growth["from"]} to {growth["to"]} boxes grows as '
            f'boxes^{growth["exponent"]:.2f}: {verdict} (linear is 1, '
            f'quadratic 2; the verdict splits them at {LINEAR_EXPONENT}).')


def overhead_base(runs: Sequence[dict]) -> Optional[float]:
    """student_only + teacher_forward seconds, if both were measured."""
    by_method = {r['method']: r['s_per_iter_median'] for r in runs}
    if 'student_only' in by_method and 'teacher_forward' in by_method:
        return by_method['student_only'] + by_method['teacher_forward']
    return None


def format_markdown(setting: dict, runs: Sequence[dict],
                    micro: Sequence[dict]) -> str:
    """The results as a markdown page (table, ratios, micro weights)."""
    base = overhead_base(runs)
    wrappers = (f'optimiser wrapper {", ".join(setting["optim_wrappers"])}; '
                if setting.get('optim_wrappers') else '')
    lines = [
        '# Training speed and memory on the mini setting', '',
        f'{setting["date"]}; {setting["cores_available"]} of '
        f'{setting["cores"]} cores ({setting["cpu"]}), load average '
        f'{setting["load_average_1m_at_start"]} at start; torch '
        f'{setting["torch"]}, threads {setting["threads"]}; batch '
        f'{setting["batch"]} of {setting["image_size"]} images; '
        f'{wrappers}'
        f'{setting["warmup"]} warm-up + {setting["iters"]} timed iterations '
        f'per method, each method in its own process.', '',
        'Memory is the CPU process RSS: `peak` = ru_maxrss at the end, '
        '`+train` = peak minus the RSS once the model is built.', '',
        '| method | s/iter (median) | x (student + teacher fwd) | '
        'peak RSS (MB) | +train (MB) | params (M, all modules) |',
        '|---|---|---|---|---|---|'
    ]
    for run in runs:
        ratio = (f'{run["s_per_iter_median"] / base:.2f}'
                 if base and run['method'] not in
                 ('student_only', 'teacher_forward') else '')
        lines.append(
            f'| {run["method"]} | {run["s_per_iter_median"]:.3f} | {ratio} | '
            f'{run["peak_mem_mb"]:.0f} | {run["peak_increment_mb"]:.0f} | '
            f'{run["params_m"]:.2f} |')
    hgd = [r for r in runs if r['method'] == 'hgd']
    if base and hgd:
        lines += ['', f'**hgd / (student_only + teacher_forward) = '
                  f'{hgd[0]["s_per_iter_median"] / base:.2f}** '
                  f'({hgd[0]["s_per_iter_median"]:.3f} s vs {base:.3f} s).']
    if micro:
        lines += ['', '## Micro weights (MicroReweighting alone)', '',
                  f'Batch {MICRO_BATCH}, {MICRO_GRID[0]} x {MICRO_GRID[1]} '
                  f'grid (P3 of {MICRO_INPUT[0]} x {MICRO_INPUT[1]}), random '
                  f'boxes, median of {setting["micro_weights"]["repeats"]} '
                  f'calls.', '', '| boxes per image | ms | us per box |',
                  '|---|---|---|']
        lines += [f'| {e["boxes"]} | {e["ms"]:.2f} | '
                  f'{1e3 * e["ms"] / (MICRO_BATCH * e["boxes"]):.1f} |'
                  for e in micro]
        lines += ['', growth_sentence(micro_growth(micro))]
    return '\n'.join(lines) + '\n'


def format_table(runs: Sequence[dict]) -> str:
    """A plain-text table for the console."""
    rows = [f'{"method":<16} {"s/iter":>8} {"peak MB":>9} {"+train MB":>10}']
    rows += [f'{r["method"]:<16} {r["s_per_iter_median"]:>8.3f} '
             f'{r["peak_mem_mb"]:>9.0f} {r["peak_increment_mb"]:>10.0f}'
             for r in runs]
    return '\n'.join(rows)


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


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
                        default=osp.join(mini_runs.REPO, 'docs', 'results'))
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
        args.data_root = DEFAULT_QUICK_DATA if args.quick else DEFAULT_DATA
    args.data_root = osp.abspath(args.data_root)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return worker_main(args)
    return main_parent(args)


if __name__ == '__main__':
    main()
