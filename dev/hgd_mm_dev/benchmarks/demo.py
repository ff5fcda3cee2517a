"""``make demo`` (``tools/demo.py``): HGD from nothing on 2 CPU cores, on
data the project makes; one seed of the accuracy benchmark's setting.

1. makes the mini dataset (:mod:`hgd_mm_dev.mini`) in data/mini_coco;
2. pre-trains the teacher's and the student's backbones on it
   (:mod:`hgd_mm_dev.mini.pretrain`), or reuses them;
3. trains the teacher (configs/mini/retinanet_r18_fpn64_mini.py), or reuses
   its cached checkpoint when nothing it depends on changed;
4. trains the plain student and the HGD student on the same schedule, side
   by side (one core each);
5. evaluates all three with mmdet's CocoMetric, prints a table and the wall
   time.
"""
import argparse
import json
import os.path as osp
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Sequence

from ..mini import runs
from ..mini.paths import (DATA_ROOT, DEMO_ROOT, HGD_CFG, PRETRAINED_ROOT,
                          QUICK_DATA_ROOT, QUICK_DEMO_ROOT,
                          QUICK_PRETRAINED_ROOT, REPO,
                          STUDENT_CFG, TEACHER_CFG)
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
        'project makes (one seed of the accuracy benchmark).')
    parser.add_argument('--work-dir', help='default: work_dirs/demo '
                        '(work_dirs/demo_quick with --quick)')
    parser.add_argument('--data-root', help='default: data/mini_coco '
                        '(data/mini_coco_quick with --quick)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--quick', action='store_true',
                        help='a few iterations on a tiny set (for tests)')
    parser.add_argument('--out', help='also write the table as JSON here')
    return parser.parse_args(argv)


#: Each stage's share of the demo's wall time, from the recorded demo
#: (docs/results/demo.json, bf16: backbones 2.9 of 10.5 min, the teacher's
#: 1500 iterations at 0.16 s, the two students side by side ~3 min).
STAGE_SHARES = (('mini dataset', 0.04), ('pre-trained backbones', 0.28),
                ('teacher', 0.38), ('plain and HGD students', 0.30))
#: The demo's wall time before any stage has run: the recorded one.
RECORDED_WALL_S = 629.0


def eta_line(stage: int, elapsed: float) -> str:
    """``[demo] i/5 <stage>; elapsed ..., ETA ...``: the remaining time from
    the stages' shares, scaled by this machine's pace on the stages done
    (before the first: the recorded demo's wall time).

    Args:
        stage: index in :data:`STAGE_SHARES` of the stage starting.
        elapsed: seconds since the demo started.
    """
    done = sum(share for _, share in STAGE_SHARES[:stage])
    total = RECORDED_WALL_S if done == 0 or elapsed <= 0 else elapsed / done
    left = max(0.0, total - elapsed)
    name = STAGE_SHARES[stage][0]
    return (f'[demo] {stage + 1}/5 {name}; elapsed {elapsed / 60:.1f} min, '
            f'ETA of the demo about {left / 60:.0f} min')


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run the demo; return its report (``rows``: model name -> run,
    ``pretrained``, ``wall_s``, ``stage_s``: stage name (as in
    :data:`STAGE_SHARES`) -> its seconds).

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    if args.data_root is None:  # never let --quick replace the full set
        args.data_root = QUICK_DATA_ROOT if args.quick else DATA_ROOT
    if args.work_dir is None:  # nor the full setting's teacher
        args.work_dir = QUICK_DEMO_ROOT if args.quick else DEMO_ROOT
    start = time.time()
    starts = [0.0]  # each stage's start, in seconds since the demo's
    sizes = runs.QUICK_DATA if args.quick else {}
    print(eta_line(0, 0.0) + f' (data in {args.data_root})', flush=True)
    runs.ensure_mini_data(args.data_root, seed=args.seed, **sizes)
    starts.append(time.time() - start)
    print(eta_line(1, starts[-1]), flush=True)
    pretrained = runs.ensure_pretrained_backbones(
        [TEACHER_CFG, STUDENT_CFG],
        QUICK_PRETRAINED_ROOT if args.quick else PRETRAINED_ROOT,
        quick=args.quick)
    options = dict(runs.QUICK_OPTIONS if args.quick else {})
    options['randomness.seed'] = args.seed

    starts.append(time.time() - start)
    print(eta_line(2, starts[-1]), flush=True)
    teacher = runs.teacher_run(args.work_dir, args.data_root, options,
                               pretrained)
    distill_options = runs.distill_options(options)
    distill_options['model.teacher_ckpt'] = teacher['checkpoint']
    starts.append(time.time() - start)
    print(eta_line(3, starts[-1]) + ' (side by side)', flush=True)
    jobs = [(STUDENT_CFG, 'student', options),
            (HGD_CFG, 'hgd', distill_options)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        student, hgd = pool.map(
            lambda job: runs.train(job[0], osp.join(args.work_dir, job[1]),
                                   job[2], label=job[1],
                                   data_root=args.data_root, threads=1),
            jobs)

    rows = [('teacher (RetinaNet R18, FPN 64)', teacher,
             runs.complexity(TEACHER_CFG)),
            ('student (R18 x1/4, FPN 64)', student,
             runs.complexity(STUDENT_CFG)),
            ('student + HGD', hgd, runs.complexity(HGD_CFG))]
    wall = time.time() - start
    ends = starts[1:] + [wall]  # the students' stage ends with the table
    report = dict(
        rows={name: dict(run, **cost) for name, run, cost in rows},
        pretrained={osp.relpath(path, REPO): record
                    for path, record in pretrained.items()},
        wall_s=wall,
        stage_s={name: end - begin for (name, _), begin, end in zip(
            STAGE_SHARES, starts, ends)},
        precision=resolve_precision(), cpu=cpu_description())
    print('[demo] 5/5 table\n\n' + markdown(report))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=2)
    return report
