"""`make demo`: HGD from scratch on 2 CPU cores, on data the project makes.

1. makes the mini dataset (tools/misc/make_mini_dataset.py) in data/mini_coco;
2. trains the teacher (configs/mini/retinanet_r18_fpn64_mini.py), or reuses
   its cached checkpoint when config and data are unchanged;
3. trains the plain student and the HGD student on the same schedule;
4. evaluates all three with mmdet's CocoMetric and prints a table.

Usage: python tools/demo.py [--work-dir work_dirs/demo] [--seed 0]
       [--quick]   (a tiny run for the tests: a few iterations)
"""
import argparse
import json
import os.path as osp
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)),
                            'benchmarks'))

import demo_table  # noqa: E402
import mini_runs  # noqa: E402

QUICK = dict(num_train=16, num_val=8)
# A few iterations score below mmdet's 0.05 threshold: keep every box.
QUICK_OPTIONS = {'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1,
                 'train_dataloader.batch_size': 4,
                 'model.test_cfg.score_thr': 0.0}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default=osp.join(mini_runs.REPO,
                                                       'work_dirs', 'demo'))
    parser.add_argument('--data-root', help='default: data/mini_coco '
                        '(data/mini_coco_quick with --quick)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--quick', action='store_true',
                        help='a few iterations on a tiny set (for tests)')
    parser.add_argument('--out', help='also write the table as JSON here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.data_root is None:  # never let --quick replace the full set
        args.data_root = osp.join(mini_runs.REPO, 'data', 'mini_coco_quick'
                                  if args.quick else 'mini_coco')
    start = time.time()
    sizes = QUICK if args.quick else {}
    print(f'[demo] 1/4 mini dataset in {args.data_root}')
    mini_runs.ensure_mini_data(args.data_root, seed=args.seed, **sizes)
    options = dict(QUICK_OPTIONS if args.quick else {})
    options['randomness.seed'] = args.seed

    print('[demo] 2/4 teacher')
    teacher = mini_runs.teacher_run(args.work_dir, args.data_root, options)
    distill_options = {
        k.replace('model.test_cfg', 'model.architecture.test_cfg'): v
        for k, v in options.items()
    }
    distill_options['model.teacher_ckpt'] = teacher['checkpoint']
    print('[demo] 3/4 plain student')
    student = mini_runs.train(mini_runs.STUDENT_CFG,
                              osp.join(args.work_dir, 'student'), options,
                              label='student', data_root=args.data_root)
    print('[demo] 4/4 HGD student')
    hgd = mini_runs.train(mini_runs.HGD_CFG, osp.join(args.work_dir, 'hgd'),
                          distill_options, label='hgd',
                          data_root=args.data_root)

    rows = [('teacher (RetinaNet R18, FPN 64)', teacher,
             mini_runs.complexity(mini_runs.TEACHER_CFG)),
            ('student (R18 x1/4, FPN 16)', student,
             mini_runs.complexity(mini_runs.STUDENT_CFG)),
            ('student + HGD', hgd, mini_runs.complexity(mini_runs.HGD_CFG))]
    table = {name: dict(run, **cost) for name, run, cost in rows}
    print('\n' + demo_table.markdown(table))
    print(f'Wall time {time.time() - start:.0f} s.')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(table, f, indent=2)
    return table


if __name__ == '__main__':
    main()
