"""The tuning study (``tools/benchmarks/tuning.py``): hyper-parameters
chosen on the ``tune`` split, never on ``val``.

Each candidate is an arm (a config plus ``--cfg-options``) trained at the
given seeds from the same backbones and teacher as the accuracy benchmark,
and scored on the tuning split (its own random stream of images, see
:class:`hgd_mm_dev.mini.MiniDatasetParams`). By default the study is the weight
sweep of every method (:mod:`.weight_sweep`: each method's total weight at
the same multipliers, the same seeds); HGD v2's mechanism candidates
(:data:`CANDIDATES`) can be run by name. Writes ``<out-name>.json``
(setting, teacher, runs, summary with every candidate's difference to the
plain student, 95 % Welch intervals, and ``sweep``: the best multiplier per
method) and ``<out-name>.md``.
"""
import argparse
import os.path as osp
from typing import Dict, List, Optional, Sequence

from ..mini.paths import HGD_CFG, REPO, RESULTS, STUDENT_CFG, TEACHER_CFG
from . import study
from .accuracy_report import markdown
from .weight_sweep import (MULTIPLIERS, WEIGHTED, sweep_arms, sweep_markdown,
                           sweep_summary)

__all__ = ['CANDIDATES', 'parse_args', 'main']

HGD = 'model.distiller.'
#: Every mechanism pinned off, whatever the shipped defaults are, so a
#: candidate means the same before and after the defaults change.
PINNED = {HGD + 'micro': None, HGD + 'loss.gamma': 0.0,
          HGD + 'loss.attention': 'spatial', HGD + 'macro.mode': 'fixed',
          HGD + 'macro.group_schedules': None,
          HGD + 'schedule.loss_weight': 15.0}
NECK = {HGD + 'stages': 'neck'}
MICRO = {HGD + 'micro.mix': 0.5, HGD + 'micro.fg_share': 0.5,
         HGD + 'micro.size_power': 0.5, HGD + 'micro.background': 'uniform'}
ATTENTION = {HGD + 'loss.gamma': 1.0}
GAP = {HGD + 'macro.mode': 'gap'}
BACKBONE_DECAY = {HGD + 'stages': 'all',
                  HGD + 'macro.group_schedules.backbone.decay': 'cosine'}


def candidate(name: str, *option_sets: Dict[str, object]) -> study.Arm:
    """An HGD arm: the shipped config, every mechanism pinned off, then the
    union of ``option_sets`` (a set key ``a.b`` replaces a pinned ``a``)."""
    options: Dict[str, object] = dict(PINNED)
    for option_set in option_sets:
        for key in option_set:
            for pinned in [k for k in options if key.startswith(k + '.')]:
                del options[pinned]
        options.update(option_set)
    return study.Arm(name, HGD_CFG, options)


#: Candidates of the HGD v2 study, each one mechanism on top of the FPN-only
#: imitation (which, with equally wide FPNs, is PKD's loss): two formulations
#: of each of micro weights, attention term and stage weighting.
CANDIDATES: Dict[str, study.Arm] = {
    arm.name: arm
    for arm in (
        study.Arm('baseline', STUDENT_CFG, distill=False),
        candidate('neck', NECK),
        candidate('neck+micro', NECK, MICRO),
        candidate('neck+micro-saliency', NECK, MICRO,
                  {HGD + 'micro.background': 'saliency'}),
        candidate('neck+attention', NECK, ATTENTION),
        candidate('neck+attention-channel', NECK, ATTENTION,
                  {HGD + 'loss.attention': 'spatial_channel'}),
        candidate('neck+gap-macro', NECK, GAP),
        candidate('all', {HGD + 'stages': 'all'}),
        candidate('all+backbone-decay', BACKBONE_DECAY),
        # Second round: the winners of the first, combined.
        candidate('neck+gap-macro+micro', NECK, GAP, MICRO),
        candidate('all+gap-macro+backbone-decay', BACKBONE_DECAY, GAP),
    )
}


#: HGD v3's candidates, each one mechanism on top of HGD as shipped (the
#: reference is the sweep's ``hgd@x1``): the hierarchy with group-normalised
#: stage weights (and its backbone stages compared by their channels'
#: variance shares), function-consistent hints through the teacher's neck,
#: review-style fusion of the student's stages compared by the hierarchical
#: context loss, cross-head mimicry, micro weights following the teacher's
#: confidence.
V3_CANDIDATES: Dict[str, study.Arm] = {
    arm.name: arm
    for arm in (
        # v2's 'all' again with only the group normalisation changed
        study.Arm('v3:all', HGD_CFG, {HGD + 'stages': 'all'}),
        study.Arm('v3:hierarchy', HGD_CFG, {HGD + 'stages': 'hierarchy'}),
        study.Arm('v3:hierarchy+stage-std', HGD_CFG, {
            HGD + 'stages': 'hierarchy',
            HGD + 'backbone_normalization': 'stage_std'}),
        study.Arm('v3:hints', HGD_CFG,
                  {HGD + 'hints.type': 'TeacherNeckHints'}),
        study.Arm('v3:review', HGD_CFG, {
            HGD + 'hints.type': 'ReviewHints',
            HGD + 'backbone_normalization': 'stage_std'}),
        study.Arm('v3:cross-head', HGD_CFG,
                  {HGD + 'cross_head.type': 'CrossHeadLoss'}),
        study.Arm('v3:teacher-confidence', HGD_CFG,
                  {HGD + 'micro.teacher_share': 0.5}),
    )
}
#: The weight sweep's arms, by name (``pkd@x0.5``, ...).
SWEEP: Dict[str, study.Arm] = {arm.name: arm for arm in sweep_arms()}
ARMS: Dict[str, study.Arm] = {**CANDIDATES, **SWEEP, **V3_CANDIDATES}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='Tuning study on the mini setting\'s tuning split.')
    parser.add_argument(
        '--candidates', nargs='+', default=['baseline', *SWEEP],
        choices=list(ARMS), metavar='ARM',
        help='arms to run (default: the plain student and the weight sweep '
        f'of {", ".join(WEIGHTED)} at x{", x".join(map(str, MULTIPLIERS))}; '
        f'also HGD v2\'s candidates: {", ".join(CANDIDATES)}; HGD v3\'s: '
        f'{", ".join(V3_CANDIDATES)})')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--out-dir', default=RESULTS)
    parser.add_argument('--out-name', default='tuning',
                        help='the report is OUT_DIR/OUT_NAME.{json,md}')
    parser.add_argument('--work-dir', default=osp.join(
        REPO, 'work_dirs', 'bench_tuning'))
    parser.add_argument(
        '--teacher-work-dir',
        help='where the demo keeps (or trains) the cached teacher; default: '
        'work_dirs/demo (work_dirs/demo_quick with --quick)')
    parser.add_argument('--data-root')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument(
        '--import-runs', metavar='REPORT',
        help='first add the runs of a committed report (e.g. '
        'docs/results/tuning.json) to WORK_DIR/runs.json, to continue a '
        'study begun in another session')
    parser.add_argument('--report-only', action='store_true')
    return parser.parse_args(argv)


def report_markdown(report: dict) -> str:
    """The sweep table where the study swept a weight (some method at two
    multipliers or more), else the candidates' tables
    (:func:`.accuracy_report.markdown`: a study of candidates against one
    sweep arm, as HGD v3's against ``hgd@x1``, is not a sweep)."""
    sweep = report.get('sweep') or {}
    if any(len(entry['points']) > 1 for entry in sweep.values()):
        return sweep_markdown(sweep,
                              report['summary']['methods'].get('baseline'),
                              report['teacher_bbox_mAP'])
    return markdown(report)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run (or resume) the study on the tuning split; write its report.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    setting = study.prepare('tune', args.quick, args.data_root,
                            args.teacher_work_dir)
    plan = [(ARMS[c], s) for s in args.seeds for c in args.candidates]
    if args.import_runs:
        study.import_runs(args.import_runs, args.work_dir)
    runs = study.run_arms(plan, setting, args.work_dir, args.jobs,
                          args.report_only)
    names: List[str] = [c for c in args.candidates if c != 'baseline']
    comparisons = [(c, 'baseline') for c in names]
    comparisons += [(c, 'neck') for c in names
                    if c in CANDIDATES and c != 'neck']
    comparisons += [(c, 'hgd@x1') for c in names if c in V3_CANDIDATES]
    summary = study.summarize(runs, comparisons)
    report = dict(
        setting=dict(
            split='tune', teacher=osp.relpath(TEACHER_CFG, REPO),
            candidates={c: dict(config=osp.relpath(ARMS[c].config, REPO),
                                options=ARMS[c].options)
                        for c in args.candidates},
            seeds=args.seeds, options=setting.base_options),
        teacher=setting.teacher_split_metrics,
        teacher_bbox_mAP=setting.teacher_split_metrics['bbox_mAP'],
        runs=runs,
        summary=summary,
        sweep=sweep_summary(summary['methods']))
    study.write_report(report, args.out_dir, args.out_name, report_markdown)
    return report
