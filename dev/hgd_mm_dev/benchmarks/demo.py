"""``make demo`` (``tools/demo.py``): HGD from nothing on 2 CPU cores, on
data the project makes, on a lighter pair than the benchmarks'.

1. makes the mini dataset (:mod:`hgd_mm_dev.mini`) in data/mini_coco;
2. pre-trains the teacher's and the student's backbones on it
   (:mod:`hgd_mm_dev.mini.pretrain`), or reuses them;
3. trains the demo's teacher
   (configs/mini/demo/retinanet_r18-w32_fpn64_mini.py: the benchmarks'
   teacher at half the backbone width) into
   ``<work dir>/demo_teacher``, or reuses its cached checkpoint when nothing
   it depends on changed;
4. trains the plain student
   (configs/mini/demo/retinanet_r18-w16_fpn64_mini.py: the benchmarks' own)
   and the HGD student
   (configs/mini/demo/hgd_retina_r18-w32_retina_r18-w16_mini.py) on the
   same schedule, side by side (one core each);
5. evaluates all three with mmdet's CocoMetric, prints a table and the wall
   time.

The pair's schedules and backbone pre-training are shorter than the
benchmarks' (configs/mini/demo/_base_/demo_schedules.py), so that the demo
takes at most 15 minutes on 2 cores in fp32 (AVX2-only CPUs) as well as in
bf16.
"""
import argparse
import json
import os.path as osp
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Optional, Sequence

from ..mini import runs
from ..mini.paths import (DATA_ROOT, DEMO_HGD_CFG, DEMO_ROOT,
                          DEMO_STUDENT_CFG, DEMO_TEACHER_CFG,
                          DEMO_TEACHER_RUN, PRETRAINED_ROOT, QUICK_DATA_ROOT,
                          QUICK_DEMO_ROOT, QUICK_PRETRAINED_ROOT, REPO,
                          RESULTS)
from hgd_mm.engine.precision import cpu_description, resolve_precision
from .demo_table import markdown

__all__ = ['parse_args', 'main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='make demo: HGD from nothing on 2 CPU cores, on data the '
        'project makes, on a lighter pair than the benchmarks\'.')
    parser.add_argument('--work-dir', help='default: work_dirs/demo '
                        '(work_dirs/demo_quick with --quick)')
    parser.add_argument('--data-root', help='default: data/mini_coco '
                        '(data/mini_coco_quick with --quick)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--quick', action='store_true',
                        help='a few iterations on a tiny set (for tests)')
    parser.add_argument('--out', help='also write the table as JSON here')
    return parser.parse_args(argv)


#: The demo's configs by role, and the table's row names.
CONFIGS = {'teacher': DEMO_TEACHER_CFG, 'student': DEMO_STUDENT_CFG,
           'hgd': DEMO_HGD_CFG}
NAMES = {'teacher': 'teacher (RetinaNet R18 x1/2, FPN 64)',
         'student': 'student (R18 x1/4, FPN 64)', 'hgd': 'student + HGD'}
#: The demo's stages, in order (``stage_s`` of its report).
STAGES = ('mini dataset', 'pre-trained backbones', 'teacher',
          'plain and HGD students')
#: The recorded demo of each precision (README), whose stages' seconds pace
#: the ETA lines.
RECORDED = {'bf16': osp.join(RESULTS, 'demo.json'),
            'fp32': osp.join(RESULTS, 'demo_fp32.json')}


def recorded_stages(precision: str) -> Optional[Dict[str, float]]:
    """Stage -> seconds of the recorded demo in ``precision``; None where it
    has no times of these stages (the ETA lines then say so).

    Args:
        precision: ``'bf16'`` or ``'fp32'`` (a key of :data:`RECORDED`).
    """
    if not osp.isfile(RECORDED[precision]):
        return None
    with open(RECORDED[precision]) as f:
        stages = json.load(f).get('stage_s', {})
    return stages if list(stages) == list(STAGES) else None


def eta_line(stage: int, elapsed: float,
             recorded: Optional[Dict[str, float]]) -> str:
    """``[demo] i/5 <stage>; elapsed ..., ETA ...``: the remaining time from
    the recorded demo's stages, scaled by this machine's pace on the stages
    done (before the first: the recorded demo's wall time).

    Args:
        stage: index in :data:`STAGES` of the stage starting.
        elapsed: seconds since the demo started.
        recorded: the recorded demo's stage -> seconds
            (:func:`recorded_stages`); None: no ETA, and the line says why.
    """
    line = (f'[demo] {stage + 1}/5 {STAGES[stage]}; elapsed '
            f'{elapsed / 60:.1f} min')
    if recorded is None:
        return line + ', no ETA (no recorded demo of this precision)'
    recorded_wall = sum(recorded.values())
    done = sum(recorded[name] for name in STAGES[:stage]) / recorded_wall
    total = recorded_wall if done == 0 or elapsed <= 0 else elapsed / done
    left = max(0.0, total - elapsed)
    return line + f', ETA of the demo about {left / 60:.0f} min'


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run the demo; return its report (``rows``: model name -> run,
    ``pretrained``, ``wall_s``, ``stage_s``: stage name (as in
    :data:`STAGES`) -> its seconds, ``precision``, ``cpu``, ``configs``:
    role -> the config trained).

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    if args.data_root is None:  # never let --quick replace the full set
        args.data_root = QUICK_DATA_ROOT if args.quick else DATA_ROOT
    if args.work_dir is None:  # nor the full setting's teacher
        args.work_dir = QUICK_DEMO_ROOT if args.quick else DEMO_ROOT
    precision = resolve_precision()
    recorded = recorded_stages(precision)
    start = time.time()
    starts = [0.0]  # each stage's start, in seconds since the demo's
    sizes = runs.QUICK_DATA if args.quick else {}
    print(eta_line(0, 0.0, recorded) + f' (data in {args.data_root}; '
          f'{precision})', flush=True)
    runs.ensure_mini_data(args.data_root, seed=args.seed, **sizes)
    starts.append(time.time() - start)
    print(eta_line(1, starts[-1], recorded), flush=True)
    pretrained = runs.ensure_pretrained_backbones(
        [DEMO_TEACHER_CFG, DEMO_STUDENT_CFG],
        QUICK_PRETRAINED_ROOT if args.quick else PRETRAINED_ROOT,
        quick=args.quick)
    options = dict(runs.QUICK_OPTIONS if args.quick else {})
    options['randomness.seed'] = args.seed

    starts.append(time.time() - start)
    print(eta_line(2, starts[-1], recorded), flush=True)
    teacher = runs.teacher_run(args.work_dir, args.data_root, options,
                               pretrained, DEMO_TEACHER_CFG,
                               name=DEMO_TEACHER_RUN)
    distill_options = runs.distill_options(options)
    distill_options['model.teacher_ckpt'] = teacher['checkpoint']
    starts.append(time.time() - start)
    print(eta_line(3, starts[-1], recorded) + ' (side by side)', flush=True)
    jobs = [(DEMO_STUDENT_CFG, 'student', options),
            (DEMO_HGD_CFG, 'hgd', distill_options)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        student, hgd = pool.map(
            lambda job: runs.train(job[0], osp.join(args.work_dir, job[1]),
                                   job[2], label=job[1],
                                   data_root=args.data_root, threads=1),
            jobs)

    trained = {'teacher': teacher, 'student': student, 'hgd': hgd}
    rows = [(NAMES[role], trained[role], runs.complexity(CONFIGS[role]))
            for role in CONFIGS]
    wall = time.time() - start
    ends = starts[1:] + [wall]  # the students' stage ends with the table
    report = dict(
        rows={name: dict(run, **cost) for name, run, cost in rows},
        pretrained={osp.relpath(path, REPO): record
                    for path, record in pretrained.items()},
        wall_s=wall,
        stage_s={name: end - begin
                 for name, begin, end in zip(STAGES, starts, ends)},
        precision=precision, cpu=cpu_description(),
        configs={role: osp.relpath(path, REPO)
                 for role, path in CONFIGS.items()})
    print('[demo] 5/5 table\n\n' + markdown(report))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=2)
    return report
