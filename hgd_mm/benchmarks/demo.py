"""``make demo`` (``tools/demo.py``): HGD from scratch on 2 CPU cores, on
data the project makes.

1. makes the mini dataset (:mod:`hgd_mm.mini`) in data/mini_coco;
2. trains the teacher (configs/mini/retinanet_r18_fpn64_mini.py), or reuses
   its cached checkpoint when config and data are unchanged;
3. trains the plain student and the HGD student on the same schedule;
4. evaluates all three with mmdet's CocoMetric and prints a table.
"""
import argparse
import json
import os.path as osp
import time
from typing import Optional, Sequence

from ..mini import runs
from ..mini.paths import (DATA_ROOT, HGD_CFG, QUICK_DATA_ROOT, REPO,
                          STUDENT_CFG, TEACHER_CFG)
from .demo_table import markdown

__all__ = ['parse_args', 'main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='make demo: HGD from scratch on 2 CPU cores, on data the '
        'project makes.')
    parser.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs',
                                                       'demo'))
    parser.add_argument('--data-root', help='default: data/mini_coco '
                        '(data/mini_coco_quick with --quick)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--quick', action='store_true',
                        help='a few iterations on a tiny set (for tests)')
    parser.add_argument('--out', help='also write the table as JSON here')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run the demo; return its table (model name -> run).

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    if args.data_root is None:  # never let --quick replace the full set
        args.data_root = QUICK_DATA_ROOT if args.quick else DATA_ROOT
    start = time.time()
    sizes = runs.QUICK_DATA if args.quick else {}
    print(f'[demo] 1/4 mini dataset in {args.data_root}')
    runs.ensure_mini_data(args.data_root, seed=args.seed, **sizes)
    options = dict(runs.QUICK_OPTIONS if args.quick else {})
    options['randomness.seed'] = args.seed

    print('[demo] 2/4 teacher')
    teacher = runs.teacher_run(args.work_dir, args.data_root, options)
    distill_options = runs.distill_options(options)
    distill_options['model.teacher_ckpt'] = teacher['checkpoint']
    print('[demo] 3/4 plain student')
    student = runs.train(STUDENT_CFG, osp.join(args.work_dir, 'student'),
                         options, label='student', data_root=args.data_root)
    print('[demo] 4/4 HGD student')
    hgd = runs.train(HGD_CFG, osp.join(args.work_dir, 'hgd'),
                     distill_options, label='hgd', data_root=args.data_root)

    rows = [('teacher (RetinaNet R18, FPN 64)', teacher,
             runs.complexity(TEACHER_CFG)),
            ('student (R18 x1/4, FPN 16)', student,
             runs.complexity(STUDENT_CFG)),
            ('student + HGD', hgd, runs.complexity(HGD_CFG))]
    table = {name: dict(run, **cost) for name, run, cost in rows}
    print('\n' + markdown(table))
    print(f'Wall time {time.time() - start:.0f} s.')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(table, f, indent=2)
    return table
