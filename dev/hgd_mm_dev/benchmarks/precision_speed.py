"""Is bf16 autocast faster than fp32 on this CPU? The same training steps
in both precisions, timed round-robin.

``tools/benchmarks/precision_speed.py``. Each method runs in two
``speed_worker`` processes, one per precision (``HGD_MM_PRECISION=bf16`` and
``=fp32``, the switch of ``CPUAmpOptimWrapper``), and the workers take
turns step by step as in the speed benchmark (:func:`speed.run_rounds`), so
a neighbour's load reaches both precisions alike; the ratio bf16 / fp32 is
taken per round and reported as its median over rounds with its range::

    python tools/benchmarks/precision_speed.py [--methods student_only hgd
        pkd] [--rounds 5] [--iters 5] [--warmup 2] [--threads 1]
        [--data-root data/mini_coco] [--out-dir docs/results] [--quick]

The report records the CPU (:func:`hgd_mm.engine.precision.cpu_description`:
its bf16 and AMX flags) and what ``precision='auto'`` decides on it, so the
rule ``auto`` follows can be read against the measurement of each kind of
CPU. Outputs: a table on stdout, ``OUT_DIR/precision_speed.{json,md}``.
"""
import argparse
import os
import os.path as osp
import platform
import statistics
import time
from typing import Dict, List, Optional, Sequence

from ..mini.paths import DATA_ROOT, QUICK_DATA_ROOT, RESULTS
from .speed import Worker, prepare_data, run_rounds, write_results
from .speed_report import summarise
from .speed_worker import METHODS

__all__ = ['PRECISIONS', 'label', 'precision_ratios', 'markdown',
           'parse_args', 'main']

#: The two paths of ``CPUAmpOptimWrapper``, measured against each other.
PRECISIONS = ('bf16', 'fp32')


def label(method: str, precision: str) -> str:
    """A worker's name in the rounds: ``'hgd bf16'``."""
    return f'{method} {precision}'


def precision_ratios(rounds: Sequence[dict],
                     methods: Sequence[str]) -> Dict[str, dict]:
    """Per method, bf16 s/step over fp32 s/step, per round and summarised
    (:func:`speed_report.summarise`): below 1, bf16 is faster."""
    return {
        method: summarise([
            r['s_per_iter'][label(method, 'bf16')] /
            r['s_per_iter'][label(method, 'fp32')] for r in rounds
        ])
        for method in methods
    }


def measure(args: argparse.Namespace):
    """Rounds and per-worker summaries; each worker checked to train in
    the precision it was given."""
    labels = [label(m, p) for m in args.methods for p in PRECISIONS]
    workers: Dict[str, Worker] = {}
    try:
        for method in args.methods:
            for precision in PRECISIONS:
                name = label(method, precision)
                print(f'[precision] building {name} ...', flush=True)
                workers[name] = Worker(method, args,
                                       env={'HGD_MM_PRECISION': precision})
                workers[name].result()  # built and warmed up
        rounds = run_rounds(workers, argparse.Namespace(
            methods=labels, rounds=args.rounds, iters=args.iters))
        summaries = {name: workers[name].ask('summary') for name in labels}
        for worker in workers.values():
            worker.ask('finish')
    finally:
        for worker in workers.values():
            worker.close()
    for name, summary in summaries.items():
        wanted = name.rsplit(' ', 1)[1]
        if summary['precision'] != wanted:
            raise RuntimeError(
                f'precision benchmark: worker {name!r} trained in '
                f'{summary["precision"]} ({summary["optim_wrapper"]}); only a '
                f'config with CPUAmpOptimWrapper follows HGD_MM_PRECISION. '
                f'Measure methods whose config uses it.')
    return rounds, summaries


def runs_of(rounds: Sequence[dict], summaries: Dict[str, dict]) -> List[dict]:
    """Per worker: method, precision, s/step per round and their median."""
    runs = []
    for name, summary in summaries.items():
        per_round = [r['s_per_iter'][name] for r in rounds]
        runs.append(dict(method=summary['method'],
                         precision=summary['precision'],
                         s_per_iter_rounds=per_round,
                         s_per_iter_median=statistics.median(per_round),
                         threads=summary['threads'],
                         batch=summary['batch'],
                         image_size=summary['image_size']))
    return runs


def command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this measurement (data root aside)."""
    parts = ['python tools/benchmarks/precision_speed.py', '--rounds',
             str(args.rounds), '--iters', str(args.iters), '--warmup',
             str(args.warmup), '--methods', *args.methods]
    if args.threads != 1:
        parts += ['--threads', str(args.threads)]
    return ' '.join(parts)


def setting_of(args: argparse.Namespace) -> dict:
    """The machine, what ``auto`` decides on it, and how it was timed."""
    import torch

    from hgd_mm.engine.precision import cpu_description, decide_precision
    auto, reason = decide_precision('auto')  # the argument: env ignored
    return {
        'cpu': cpu_description(),
        'auto': auto,
        'auto_reason': reason,
        'cores': os.cpu_count(),
        'load_average_1m_at_start': args.load_at_start,
        'load_average_1m_at_end': round(os.getloadavg()[0], 2),
        'torch': torch.__version__,
        'python': platform.python_version(),
        'threads': args.threads,
        'warmup': args.warmup,
        'rounds': args.rounds,
        'iters': args.iters,
        'quick': args.quick,
        'command': command_line(args),
        'date': time.strftime('%Y-%m-%d %H:%M:%S'),
    }


def flags_text(cpu: dict) -> str:
    """The bf16-relevant CPU flags in words: ``avx512_bf16 yes, amx_bf16
    no``."""
    flags = cpu.get('flags')
    if flags is None:
        return 'CPU flags unknown'
    return ', '.join(f'{name} {"yes" if flags.get(name) else "no"}'
                     for name in ('avx512_bf16', 'amx_bf16', 'bf16'))


def markdown(report: dict) -> str:
    """The table (s/step in each precision, the ratio per method) and what
    ``auto`` picks on this CPU."""
    setting, ratios = report['setting'], report['ratios']
    by_key = {(r['method'], r['precision']): r for r in report['runs']}
    cpu = setting['cpu']
    lines = [
        f'{setting["date"]}, {cpu["model"]} ({flags_text(cpu)}), '
        f'{setting["threads"]} thread(s) per worker, {setting["rounds"]} '
        f'round(s) of {setting["iters"]} steps each, the two precisions of a '
        f'method '
        f'in processes of their own taking turns step by step. Command: '
        f'`{setting["command"]}`.', '',
        '| method | fp32 s/iter | bf16 s/iter | bf16 / fp32, median '
        '[min, max] of rounds |', '|---|---|---|---|'
    ]
    for method, ratio in ratios.items():
        fp32 = by_key[(method, 'fp32')]['s_per_iter_median']
        bf16 = by_key[(method, 'bf16')]['s_per_iter_median']
        lines.append(f'| {method} | {fp32:.3f} | {bf16:.3f} | '
                     f'{ratio["median"]:.2f} [{ratio["min"]:.2f}, '
                     f'{ratio["max"]:.2f}] |')
    medians = [r['median'] for r in ratios.values()]
    faster = ('bf16' if max(medians) < 1 else
              'fp32' if min(medians) > 1 else 'neither throughout')
    lines += ['', f'Faster on this CPU: **{faster}**. `precision=\'auto\'` '
              f'picks **{setting["auto"]}** here ({setting["auto_reason"]}).']
    return '\n'.join(lines) + '\n'


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='bf16 autocast against fp32: the same training steps in '
        'both precisions, timed round-robin on this CPU.')
    trained = [m for m in METHODS if m != 'teacher_forward']
    parser.add_argument('--methods', nargs='+', choices=trained,
                        default=['student_only', 'hgd', 'pkd'])
    parser.add_argument('--rounds', type=int, default=None,
                        help='round-robin rounds (default 5; 1 with --quick)')
    parser.add_argument('--iters', type=int, default=None,
                        help='timed steps per worker and round (default 5; '
                        '2 with --quick)')
    parser.add_argument('--warmup', type=int, default=None,
                        help='warm-up steps once a model is built (default '
                        '2; 1 with --quick)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch.set_num_threads in every worker (default '
                        '1, as the benchmarks\' runs at --jobs 2)')
    parser.add_argument('--data-root', default=None,
                        help='mini data set (made if missing; default '
                        'data/mini_coco, data/mini_coco_quick with --quick)')
    parser.add_argument('--out-dir', default=RESULTS)
    parser.add_argument('--out-name', default='precision_speed')
    parser.add_argument('--quick', action='store_true',
                        help='1 round of 2 steps, tiny data (for tests)')
    args = parser.parse_args(argv)
    defaults = (1, 2, 1) if args.quick else (5, 5, 2)
    for name, default in zip(('rounds', 'iters', 'warmup'), defaults):
        if getattr(args, name) is None:
            setattr(args, name, default)
    if min(args.rounds, args.iters, args.threads) < 1 or args.warmup < 0:
        parser.error(f'--rounds ({args.rounds}), --iters ({args.iters}) and '
                     f'--threads ({args.threads}) must be >= 1, --warmup '
                     f'({args.warmup}) >= 0.')
    if args.data_root is None:
        args.data_root = QUICK_DATA_ROOT if args.quick else DATA_ROOT
    args.data_root = osp.abspath(args.data_root)
    args.repeats = 1  # the worker's micro-weight option, unused here
    return args


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Measure, write and return the report.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    args.load_at_start = round(os.getloadavg()[0], 2)
    prepare_data(args)
    rounds, summaries = measure(args)
    report = {
        'setting': setting_of(args),
        'runs': runs_of(rounds, summaries),
        'rounds': rounds,
        'ratios': precision_ratios(rounds, args.methods),
    }
    write_results(args.out_dir, report, args.out_name, render=markdown)
    print('\n' + markdown(report))
    print(f'[precision] wrote {osp.join(args.out_dir, args.out_name)}.json '
          f'and .md')
    return report
