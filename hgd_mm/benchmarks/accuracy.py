"""Accuracy benchmark on the mini setting (``tools/benchmarks/accuracy.py``):
HGD against MMRazor's distillers.

Same teacher (the demo's cached one), student, data and schedule for every
method; several seeds; the ablation configs at one seed. Writes
``docs/results/accuracy.json`` (the schema of issue 5), ``accuracy.md`` (the
tables the README quotes) and ``accuracy.png`` (mAP per method, every seed).

Each finished run is kept in ``WORK_DIR/runs.json``: an interrupted benchmark
continues where it stopped.
"""
import argparse
import json
import os
import os.path as osp
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Sequence

from ..mini import runs as mini_runs
from ..mini.paths import (DATA_ROOT, HGD_CFG, MINI_CONFIGS, QUICK_DATA_ROOT,
                          REPO, RESULTS, STUDENT_CFG, TEACHER_CFG)
from .accuracy_report import markdown, plot

__all__ = ['METHODS', 'ABLATION_METHODS', 'parse_args', 'main']

PEERS = osp.join(MINI_CONFIGS, 'peers')
ABLATIONS = osp.join(MINI_CONFIGS, 'ablations')
PAIR = 'retina_r18_retina_r18-w16_mini.py'
METHODS = {
    'baseline': STUDENT_CFG,
    'hgd': HGD_CFG,
    'pkd': osp.join(PEERS, f'pkd_fpn_{PAIR}'),
    'cwd': osp.join(PEERS, f'cwd_fpn_{PAIR}'),
    'mgd': osp.join(PEERS, f'mgd_fpn_{PAIR}'),
    'fbkd': osp.join(PEERS, f'fbkd_fpn_{PAIR}'),
    'fitnet': osp.join(PEERS, f'fitnet_fpn_{PAIR}'),
}
ABLATION_METHODS = {
    f'hgd_{name}': osp.join(ABLATIONS, f'hgd_ablation_{name}_{PAIR}')
    for name in ('fpn-only', 'no-consistency', 'per-image-std',
                 'with-attention', 'with-micro', 'balanced-macro')
}
def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='Accuracy benchmark on the mini setting: HGD against '
        'MMRazor\'s distillers.')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--methods', nargs='+', default=list(METHODS),
                        choices=list(METHODS))
    parser.add_argument('--ablation-seeds', type=int, nargs='*', default=[0])
    parser.add_argument('--out-dir',
                        default=RESULTS)
    parser.add_argument('--work-dir', default=osp.join(
        REPO, 'work_dirs', 'bench_accuracy'))
    parser.add_argument('--teacher-work-dir', default=osp.join(
        REPO, 'work_dirs', 'demo'),
        help='where the demo keeps (or trains) the cached teacher')
    parser.add_argument('--data-root', help='default: data/mini_coco '
                        '(data/mini_coco_quick with --quick)')
    parser.add_argument('--quick', action='store_true',
                        help='a few iterations on a tiny set (for tests)')
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs side by side, one torch thread each')
    parser.add_argument('--report-only', action='store_true',
                        help='write the report from the runs done so far '
                        '(WORK_DIR/runs.json), training nothing')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        metavar='KEY=VALUE',
                        help='applied to every run (e.g. a shorter schedule)')
    return parser.parse_args(argv)


def options_for(config: str, base: Dict[str, object]) -> Dict[str, object]:
    """Distillation configs keep the detector under model.architecture."""
    if config == STUDENT_CFG:
        return dict(base)
    return mini_runs.distill_options(base)


def load_runs(path: str) -> List[dict]:
    """The runs an earlier invocation finished (none if it never ran)."""
    if not osp.exists(path):
        return []
    with open(path) as f:
        return json.load(f)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run (or resume) the benchmark and write its report; return it.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    if args.data_root is None:  # never let --quick replace the full set
        args.data_root = QUICK_DATA_ROOT if args.quick else DATA_ROOT
    os.makedirs(args.out_dir, exist_ok=True)
    os.makedirs(args.work_dir, exist_ok=True)
    sizes = mini_runs.QUICK_DATA if args.quick else {}
    mini_runs.ensure_mini_data(args.data_root, seed=0, **sizes)
    quick = dict(mini_runs.QUICK_OPTIONS if args.quick else {})
    # The teacher is the demo's (same options), whatever the students' are.
    teacher = mini_runs.teacher_run(args.teacher_work_dir, args.data_root,
                                    dict(quick, **{'randomness.seed': 0}))
    base = dict(quick)
    base.update(option.split('=', 1) for option in args.cfg_options)
    plan = [(m, METHODS[m], s) for s in args.seeds for m in args.methods]
    plan += [(m, cfg, s) for s in args.ablation_seeds
             for m, cfg in ABLATION_METHODS.items()]
    runs_file = osp.join(args.work_dir, 'runs.json')
    runs = load_runs(runs_file)
    # Runs distilled from another teacher (or made before the setting
    # changed: the teacher key covers the schedule, models and data) are
    # neither resumed nor reported.
    stale = [r for r in runs if r.get('teacher_key') != teacher['key']]
    if stale:
        print(f'[accuracy] ignoring {len(stale)} runs of {runs_file} made '
              f'with another teacher or setting', flush=True)
    runs = [r for r in runs if r.get('teacher_key') == teacher['key']]
    todo = [(i, m, c, s) for i, (m, c, s) in enumerate(plan, 1)
            if not any(r['method'] == m and r['seed'] == s for r in runs)]
    if args.report_only:
        todo = []
    lock = threading.Lock()

    def run_one(item) -> None:
        index, method, config, seed = item
        print(f'[accuracy {index}/{len(plan)}] {method} seed {seed}',
              flush=True)
        options = options_for(config, dict(base, **{'randomness.seed': seed}))
        if config != STUDENT_CFG:
            options['model.teacher_ckpt'] = teacher['checkpoint']
        result = mini_runs.train(
            config, osp.join(args.work_dir, f'{method}_seed{seed}'), options,
            label=f'{method} s{seed}', data_root=args.data_root, quiet=True,
            threads=1 if args.jobs > 1 else None)
        with lock:
            runs.append(dict(method=method, seed=seed,
                             **{k: result[k] for k in mini_runs.METRICS},
                             teacher_key=teacher['key']))
            with open(runs_file, 'w') as f:
                json.dump(stale + runs, f, indent=1)
        print(f'[accuracy {index}/{len(plan)}] {method} seed {seed}: mAP '
              f'{result["bbox_mAP"]:.1f}', flush=True)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(run_one, todo))

    report = dict(
        setting=dict(
            data='tools/misc/make_mini_dataset.py defaults (800 train / 200 '
            'val, 160 px, 6 classes, seed 0)' if not args.quick else
            'quick: 16 train / 8 val',
            teacher=osp.relpath(TEACHER_CFG, REPO),
            student=osp.relpath(STUDENT_CFG, REPO),
            configs={m: osp.relpath(c, REPO)
                     for m, c in {**METHODS, **ABLATION_METHODS}.items()},
            seeds=args.seeds, ablation_seeds=args.ablation_seeds,
            options=base),
        teacher_bbox_mAP=teacher['bbox_mAP'],
        runs=[{k: v for k, v in r.items() if k != 'teacher_key'}
              for r in runs
              if (r['method'] in args.methods and r['seed'] in args.seeds)
              or (r['method'] in ABLATION_METHODS
                  and r['seed'] in args.ablation_seeds)])
    with open(osp.join(args.out_dir, 'accuracy.json'), 'w') as f:
        json.dump(report, f, indent=1)
    table = markdown(report)
    with open(osp.join(args.out_dir, 'accuracy.md'), 'w') as f:
        f.write(table)
    plot(report, osp.join(args.out_dir, 'accuracy.png'))
    print(table)
    return report

