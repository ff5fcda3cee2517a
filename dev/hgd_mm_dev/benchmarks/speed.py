"""Training speed and memory of HGD and its peers on the mini setting,
as ratios that survive a busy machine.

``tools/benchmarks/speed.py``. Every method gets one long-lived worker
process (:mod:`hgd_mm_dev.benchmarks.speed_worker`: the model is built once, in
a process of its own, with a fixed number of torch threads). The parent then
times the methods round-robin: in each of R rounds the workers take N turns,
one step each, one worker at a time (the order rotates from turn to turn,
so no method always follows the same one). A neighbour's load hits
the methods of a round alike, so the ratios are computed per round (from
each method's median step of that round) and reported as their median over
rounds with their spread::

    python tools/benchmarks/speed.py [--rounds 7] [--iters 10] [--warmup 3]
        [--methods student_only teacher_forward hgd pkd cwd mgd fbkd fitnet]
        [--threads 1] [--profile hgd pkd] [--profile-steps 5]
        [--data-root data/mini_coco] [--out-dir docs/results]
        [--quick]   (2 rounds of 2 steps, 1 warm-up, a 16-image data set:
                     for tests)

``hgd / (student_only + teacher_forward)`` is the distillation overhead
proper: what HGD costs beyond running both networks; ``hgd / pkd`` compares
it with MMRazor's PKD. After the rounds, the ``--profile`` methods are
profiled by part (:mod:`hgd_mm_dev.benchmarks.step_profile`), and
``MicroReweighting`` alone is timed for 10, 100 and 1000 random boxes per
image (batch 2, a 100 x 168 grid, about P3 of an 800 x 1344 input).

Outputs: a table on stdout, ``OUT_DIR/speed.json`` and ``OUT_DIR/speed.md``,
with the machine (CPU model, cores, threads, load average) recorded.
"""
import argparse
import json
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence

from ..mini import runs as mini_runs
from ..mini.paths import DATA_ROOT, QUICK_DATA_ROOT, REPO, RESULTS
from .speed_report import (MICRO_BATCH, MICRO_GRID, MICRO_INPUT,
                           format_markdown, format_table, growth_sentence,
                           micro_growth, ratio_summaries)
from .speed_worker import DISTILLATION, METHODS, MICRO, RESULT_MARK

__all__ = ['METHODS', 'parse_args', 'main']


class Worker:
    """A running ``speed_worker`` process and its command channel.

    Args:
        method: the method it measures (or ``MICRO``).
        args: the benchmark's arguments (threads, warm-up, data root).
        env: variables set for this worker only (e.g. ``HGD_MM_PRECISION``
            in ``precision_speed``).
    """

    def __init__(self, method: str, args: argparse.Namespace,
                 env: Optional[Dict[str, str]] = None) -> None:
        self.method = method
        self.command = [sys.executable, '-m',
                        'hgd_mm_dev.benchmarks.speed_worker', method,
                        '--warmup', str(args.warmup), '--repeats',
                        str(args.repeats)]
        if args.threads:
            self.command += ['--threads', str(args.threads)]
        env = dict(os.environ, HGD_MINI_DATA=args.data_root.rstrip('/') + '/',
                   **(env or {}))
        env.setdefault('PYTHONWARNINGS', 'ignore')
        # stderr goes to a file: a full pipe nobody reads would block it.
        self.stderr = tempfile.TemporaryFile(mode='w+')
        self.process = subprocess.Popen(
            self.command, cwd=REPO, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        self.output: List[str] = []

    def result(self) -> dict:
        """The next marked JSON line the worker prints."""
        for line in self.process.stdout:
            if line.startswith(RESULT_MARK):
                return json.loads(line[len(RESULT_MARK):])
            self.output.append(line)
        self.process.wait()
        self.stderr.seek(0)
        raise RuntimeError(
            f'speed worker {self.method!r} failed (exit '
            f'{self.process.returncode}); rerun it alone to debug:\n  '
            f'{" ".join(self.command)}\n--- its output (tail) ---\n'
            f'{"".join(self.output)[-2000:]}{self.stderr.read()[-4000:]}')

    def ask(self, command: str) -> dict:
        """Send one command line; return the worker's answer."""
        self.process.stdin.write(command + '\n')
        self.process.stdin.flush()
        return self.result()

    def close(self) -> None:
        """End the process (if still running) and drop its files."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.stderr.close()


def rotated(methods: Sequence[str], index: int) -> List[str]:
    """``methods`` starting at position ``index`` (mod its length)."""
    shift = index % len(methods)
    return list(methods[shift:]) + list(methods[:shift])


def run_rounds(workers: Dict[str, Worker],
               args: argparse.Namespace) -> List[dict]:
    """Time every method round-robin; per round, its median s/step.

    Within a round the methods take turns step by step (the order rotating
    from turn to turn), so a change of load during the round reaches each
    method's steps alike, not one method's block.
    """
    rounds = []
    for index in range(args.rounds):
        times: Dict[str, List[float]] = {m: [] for m in args.methods}
        faults = dict.fromkeys(args.methods, 0)
        for turn in range(args.iters):
            for method in rotated(args.methods, index + turn):
                answer = workers[method].ask('time 0 1')
                times[method] += answer['times']
                faults[method] += answer['minor_faults']
        s_per_iter = {m: statistics.median(t) for m, t in times.items()}
        rounds.append({'s_per_iter': s_per_iter, 'times': times,
                       'minor_faults_per_iter': {
                           m: f / args.iters for m, f in faults.items()}})
        print(f'[speed] round {index + 1}/{args.rounds}: ' + ', '.join(
            f'{m} {s_per_iter[m]:.3f}' for m in args.methods), flush=True)
    return rounds


def measure(args: argparse.Namespace):
    """Rounds, profiles and per-method summaries from long-lived workers."""
    workers: Dict[str, Worker] = {}
    try:
        for method in args.methods:
            print(f'[speed] building {method} ...', flush=True)
            workers[method] = Worker(method, args)
            workers[method].result()  # ready: built and warmed up
        rounds = run_rounds(workers, args)
        summaries = [workers[m].ask('summary') for m in args.methods]
        profiles = {
            method: workers[method].ask(
                f'profile {args.profile_steps}')['profile']
            for method in args.profile
        }
        for worker in workers.values():
            worker.ask('finish')
    finally:
        for worker in workers.values():
            worker.close()
    return rounds, profiles, summaries


def micro_weights(args: argparse.Namespace) -> dict:
    """``MicroReweighting`` alone, in a worker of its own."""
    worker = Worker(MICRO, args)
    try:
        return worker.result()
    finally:
        worker.close()


def runs_of(summaries: List[dict], rounds: List[dict]) -> List[dict]:
    """Per method: its summary, s/step per round and the median of those."""
    runs = []
    for summary in summaries:
        method = summary['method']
        per_round = [r['s_per_iter'][method] for r in rounds]
        faults = [r['minor_faults_per_iter'][method] for r in rounds]
        runs.append(dict(summary,
                         s_per_iter_median=statistics.median(per_round),
                         s_per_iter_rounds=per_round,
                         minor_faults_per_iter=statistics.median(faults)))
    return runs


def prepare_data(args: argparse.Namespace) -> None:
    """Make the mini data set unless one is at ``args.data_root`` already."""
    print(f'[speed] mini data set in {args.data_root}', flush=True)
    # An existing set is used as it is (any size gives batches of 8 images
    # of the same size); only a missing one is made, tiny under --quick.
    if not osp.exists(osp.join(args.data_root, 'meta.json')):
        mini_runs.ensure_mini_data(
            args.data_root, **(mini_runs.QUICK_DATA if args.quick else {}))


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
        'load_average_1m_at_end': round(os.getloadavg()[0], 2),
        'torch': torch.__version__,
        'python': platform.python_version(),
        'threads': sorted({r['threads'] for r in runs} |
                          ({micro['threads']} if micro else set())),
        'threads_flag': args.threads,
        'omp_num_threads_env': os.environ.get('OMP_NUM_THREADS'),
        'batch': first.get('batch'),
        'image_size': first.get('image_size'),
        'optim_wrappers': sorted({r.get('optim_wrapper', '?') for r in runs}),
        # hgd_mm.engine.allocator.keep_freed_memory, as in tools/train.py
        'keeps_freed_memory': all(r['keeps_freed_memory'] for r in runs),
        'warmup': args.warmup,
        'rounds': args.rounds,
        'iters': args.iters,
        'profile_steps': args.profile_steps,
        'quick': args.quick,
        'data_root': args.data_root,
        'command': command_line(args),
        'memory': 'CPU RSS: peak_mem_mb = ru_maxrss at the end; '
                  'peak_increment_mb = peak - RSS after model build',
        'micro_weights': {
            'batch': MICRO_BATCH, 'grid': list(MICRO_GRID),
            'input_size': list(MICRO_INPUT),
            'repeats': micro['repeats'] if micro else None
        },
        'date': time.strftime('%Y-%m-%d %H:%M:%S'),
    }


def command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this measurement (data root aside)."""
    parts = ['python tools/benchmarks/speed.py', '--rounds', str(args.rounds),
             '--iters', str(args.iters), '--warmup', str(args.warmup),
             '--methods', *args.methods]
    if args.threads:
        parts += ['--threads', str(args.threads)]
    if args.out_name != 'speed':
        parts += ['--out-name', args.out_name]
    if args.profile:
        parts += ['--profile', *args.profile, '--profile-steps',
                  str(args.profile_steps)]
    else:  # a bare --profile: none (leaving it out profiles hgd and pkd)
        parts += ['--profile']
    return ' '.join(parts)


def write_results(out_dir: str, report: dict, name: str = 'speed',
                  render: Callable[[dict], str] = format_markdown) -> None:
    """``<name>.json`` and ``<name>.md`` (``render(report)``) in
    ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, f'{name}.json'), 'w') as f:
        json.dump(report, f, indent=2)
    with open(osp.join(out_dir, f'{name}.md'), 'w') as f:
        f.write(render(report))


def main_parent(args: argparse.Namespace) -> dict:
    """Run the rounds, the profiles and the micro-weight timing; write."""
    args.load_at_start = round(os.getloadavg()[0], 2)
    prepare_data(args)
    rounds, profiles, summaries = measure(args)
    print('[speed] micro weights ...', flush=True)
    micro = micro_weights(args)
    runs = runs_of(summaries, rounds)
    report = {
        'setting': setting_of(args, runs, micro),
        'runs': runs,
        'rounds': rounds,
        'ratios': ratio_summaries(rounds),
        'profile': profiles,
        'micro_weights': micro['micro_weights'],
    }
    write_results(args.out_dir, report, args.out_name)
    print('\n' + format_table(report))
    print(growth_sentence(micro_growth(micro['micro_weights'])))
    print(f'[speed] wrote {osp.join(args.out_dir, args.out_name)}.json and '
          f'.md')
    return report


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='Training speed and memory of HGD and its peers on the '
        'mini setting: methods timed round-robin, ratios per round.')
    parser.add_argument('--methods', nargs='+', choices=METHODS,
                        default=list(METHODS))
    parser.add_argument('--rounds', type=int, default=None,
                        help='round-robin rounds (default 7; 2 with --quick)')
    parser.add_argument('--iters', type=int, default=None,
                        help='timed steps per method and round (default 10; '
                        '2 with --quick)')
    parser.add_argument('--warmup', type=int, default=None,
                        help='warm-up steps once a model is built (default '
                        '3; 1 with --quick)')
    parser.add_argument('--repeats', type=int, default=None,
                        help='timed MicroReweighting calls per box count '
                        '(default 7; 3 with --quick)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch.set_num_threads in every worker (default '
                        "1; 0 keeps torch's default)")
    parser.add_argument('--profile', nargs='*', default=None,
                        choices=DISTILLATION,
                        help='distillation methods to profile by part '
                        '(default: hgd and pkd, those measured)')
    parser.add_argument('--profile-steps', type=int, default=None,
                        help='profiled steps per method (default 5; 1 with '
                        '--quick)')
    parser.add_argument('--data-root', default=None,
                        help='mini data set (made if missing; default '
                        'data/mini_coco, data/mini_coco_quick with --quick)')
    parser.add_argument('--out-dir', default=RESULTS)
    parser.add_argument('--out-name', default='speed',
                        help='the report is OUT_DIR/OUT_NAME.{json,md} '
                        '(default speed; e.g. speed_v3 for HGD v3\'s '
                        'candidates, --methods ... v3:hints ...)')
    parser.add_argument('--quick', action='store_true',
                        help='2 rounds of 2 steps, 1 warm-up, tiny data '
                        '(for tests)')
    args = parser.parse_args(argv)
    names = ('rounds', 'iters', 'warmup', 'repeats', 'profile_steps')
    defaults = (2, 2, 1, 3, 1) if args.quick else (7, 10, 3, 7, 5)
    for name, default in zip(names, defaults):
        if getattr(args, name) is None:
            setattr(args, name, default)
    if min(args.rounds, args.iters, args.repeats, args.profile_steps) < 1 \
            or args.warmup < 0 or args.threads < 0:
        parser.error(f'--rounds ({args.rounds}), --iters ({args.iters}), '
                     f'--repeats ({args.repeats}) and --profile-steps '
                     f'({args.profile_steps}) must be >= 1, --warmup '
                     f'({args.warmup}) and --threads ({args.threads}) >= 0.')
    if args.profile is None:
        args.profile = [m for m in ('hgd', 'pkd') if m in args.methods]
    missing = sorted(set(args.profile) - set(args.methods))
    if missing:
        parser.error(f'--profile {missing}: profile only methods that are '
                     f'measured; add them to --methods.')
    if args.data_root is None:
        args.data_root = QUICK_DATA_ROOT if args.quick else DATA_ROOT
    args.data_root = osp.abspath(args.data_root)
    return args


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Measure, write and return the report.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    return main_parent(parse_args(argv))
