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
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

from ..mini.paths import (HGD_CFG, REPO, RESULTS, SETTINGS, STUDENT_CFG,
                          TEACHER_CFG)
from . import study
from .weight_averaging import EMA_SUFFIX, split_ema_name, with_ema
from .accuracy_report import markdown, setting_lead
from .mechanisms import (MECHANISMS, PREFIX, mechanism_arm,
                         mechanism_reference, parse_mechanism_name)
from .weight_sweep import (MULTIPLIERS, WEIGHTED, parse_arm_name, sweep_arm,
                           sweep_arms, sweep_markdown, sweep_summary)

__all__ = ['CANDIDATES', 'V3_CANDIDATES', 'on_setting', 'parse_args', 'main']

HGD = 'model.distiller.'
#: Every mechanism pinned off, whatever the shipped defaults are, so a
#: candidate means the same before and after the defaults change.
PINNED = {HGD + 'micro': None, HGD + 'loss.gamma': 0.0,
          HGD + 'loss.attention': 'spatial', HGD + 'macro.mode': 'fixed',
          HGD + 'macro.group_schedules': None,
          HGD + 'schedule.loss_weight': 15.0}
NECK = {HGD + 'stages': 'neck'}
MICRO = {HGD + 'micro.mix': 0.5, HGD + 'micro.fg_share': 0.5,
         HGD + 'micro.size_power': 0.5, HGD + 'micro.background': 'uniform',
         HGD + 'micro.teacher_share': 0.0}
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


#: HGD v3's candidates, each one mechanism on top of HGD v2 as shipped
#: (``v3:v2``, their reference): the hierarchy with group-normalised
#: stage weights (and its backbone stages compared by their channels'
#: variance shares), function-consistent hints through the teacher's neck,
#: review-style fusion of the student's stages compared by the hierarchical
#: context loss, cross-head mimicry, micro weights following the teacher's
#: confidence. The study ran before the last of these became HGD v3's
#: default (``teacher_share=0.5``); every candidate but that one pins
#: ``teacher_share=0`` (:data:`V2_MICRO`), so each means what it meant when
#: it ran, and the reference is HGD v2 pinned likewise (``v3:v2``). The
#: committed tables were made when the sweep's ``hgd@x1`` was HGD v2 as
#: shipped, and name it so; once HGD v3 is the sweep's HGD, ``hgd@x1`` is
#: no reference for them.
V2_MICRO = {HGD + 'micro.teacher_share': 0.0}
V3_CANDIDATES: Dict[str, study.Arm] = {
    arm.name: study.Arm(arm.name, arm.config,
                        {**V2_MICRO, **arm.options})
    for arm in (
        study.Arm('v3:v2', HGD_CFG, {HGD + 'schedule.loss_weight': 15.0}),
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
        # The hierarchy and the hints again with their group at a quarter
        # of the neck group's weight: at equal weight (above) both cost
        # accuracy on both pairs; does guidance beyond the FPN help where
        # it weighs less?
        study.Arm('v3:hierarchy@bb0.25', HGD_CFG, {
            HGD + 'stages': 'hierarchy',
            HGD + 'macro.group_weights.backbone': 0.25}),
        study.Arm('v3:hints@0.25', HGD_CFG, {
            HGD + 'hints.type': 'TeacherNeckHints',
            HGD + 'macro.group_weights.hint': 0.25}),
    )
}
#: The arm every v3 candidate is compared with.
V3_REFERENCE = 'v3:v2'
#: The weight sweep's arms, by name (``pkd@x0.5``, ...).
SWEEP: Dict[str, study.Arm] = {arm.name: arm for arm in sweep_arms()}
ARMS: Dict[str, study.Arm] = {**CANDIDATES, **SWEEP, **V3_CANDIDATES}


def on_setting(arm: study.Arm, name: str) -> study.Arm:
    """``arm`` (a main-pair arm) on the setting ``name`` of
    :data:`SETTINGS`: the same name and options on the setting's config of
    the same role (plain student, HGD or the peer); a clear error where the
    setting has no such config."""
    roles = {STUDENT_CFG: 'student', HGD_CFG: 'hgd'}
    roles.update({WEIGHTED[m].config: m for m in WEIGHTED if m != 'hgd'})
    role = roles.get(arm.config)
    configs = SETTINGS[name]
    if role not in configs:
        raise ValueError(
            f'tuning --setting {name}: the arm {arm.name!r} needs a '
            f'{role or arm.config} config, which the setting does not have '
            f'(it has {sorted(k for k in configs if k != "work_root")}); '
            f'leave the arm out.')
    return study.Arm(arm.name, configs[role], arm.options, arm.distill,
                     setting=name)


def arm_named(name: str) -> study.Arm:
    """The arm of a candidate name: one of :data:`ARMS`, or a weight-sweep
    arm beyond the grid, ``<method>@x<multiplier>`` (e.g. ``cwd@x0.125``,
    where the grid's best sits at its edge); either with an EMA of its
    weights, ``<arm>+ema@<momentum>`` (:mod:`.weight_averaging`)."""
    base, momentum = split_ema_name(name)
    if momentum is not None:
        return with_ema(arm_named(base), momentum, name)
    if name in ARMS:
        return ARMS[name]
    mechanism = mechanism_arm(name)
    if mechanism is not None:
        return mechanism
    parsed = parse_arm_name(name)
    if parsed is None or not parsed[1] > 0:
        raise ValueError(
            f'--candidates: {name!r} is not an arm: use one of the names '
            f'listed by --help, or <method>@x<multiplier> with a method of '
            f'{", ".join(WEIGHTED)} and a multiplier > 0 (e.g. cwd@x0.125), '
            f'or {PREFIX}<mechanism>@x<multiplier> with a '
            f'mechanism of {", ".join(MECHANISMS)} (e.g. '
            f'hgd+hints@x0.125).')
    return sweep_arm(*parsed)


def candidate_name(name: str) -> str:
    """argparse type of ``--candidates``: the name, checked
    (:func:`arm_named`)."""
    try:
        arm_named(name)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    return name


def default_candidates(setting: Optional[str] = None) -> List[str]:
    """The plain student and every sweep arm (on ``setting``: of the
    methods it has configs for)."""
    return ['baseline', *(name for name in SWEEP if setting is None or
                          parse_arm_name(name)[0] in SETTINGS[setting])]


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='Tuning study on the mini setting\'s tuning split.')
    parser.add_argument(
        '--candidates', nargs='+', default=None, type=candidate_name,
        metavar='ARM',
        help='arms to run, added to the arms the committed report has '
        '(default: the plain student and the weight sweep '
        f'of {", ".join(WEIGHTED)} at x{", x".join(map(str, MULTIPLIERS))}, '
        'with --setting those of its methods; any <method>@x<multiplier> '
        'widens the grid; any arm with the suffix '
        f'{EMA_SUFFIX}<momentum> validates an EMA of its weights; '
        f'also HGD v2\'s candidates: {", ".join(CANDIDATES)}; HGD v3\'s: '
        f'{", ".join(V3_CANDIDATES)}; and any of HGD v3\'s mechanisms on '
        f'HGD as shipped at a multiplier of its weight, '
        f'{PREFIX}<mechanism>@x<multiplier> with a mechanism of '
        f'{", ".join(MECHANISMS)})')
    parser.add_argument(
        '--setting', choices=list(SETTINGS),
        help='run the arms on this benchmark setting instead of the main '
        'pair (the same names and options on its configs; its own teacher, '
        'cached under work_dirs/settings/<setting>); default work dir '
        'work_dirs/bench_tuning_<setting>, report tuning_<setting>')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--out-dir', default=RESULTS)
    parser.add_argument('--out-name',
                        help='the report is OUT_DIR/OUT_NAME.{json,md}; '
                        'default tuning (tuning_<setting> with --setting)')
    parser.add_argument('--work-dir', help='default work_dirs/bench_tuning '
                        '(work_dirs/bench_tuning_<setting> with --setting)')
    parser.add_argument(
        '--teacher-work-dir',
        help='where the main pair\'s teacher is cached (trained when '
        'missing) as <dir>/teacher/teacher.pth, the mini configs\' default '
        'teacher_ckpt; default: work_dirs/demo (work_dirs/demo_quick with '
        '--quick)')
    parser.add_argument('--data-root')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--jobs', type=int, default=2)
    study.add_import_arguments(parser)
    parser.add_argument('--report-only', action='store_true')
    return parser.parse_args(argv)


def report_markdown(report: dict) -> str:
    """The sweep table where the study swept weights, then the candidates'
    tables (:func:`.accuracy_report.markdown`) where it ran candidates that
    are not sweep arms."""
    parts = []
    if report.get('sweep'):
        parts.append(setting_lead(report) + sweep_markdown(
            report['sweep'], report['summary']['methods'].get('baseline'),
            report['teacher_bbox_mAP']))
    if any(c != 'baseline' and parse_arm_name(c) is None
           for c in report['summary']['methods']):
        parts.append(markdown(report))
    return '\n'.join(parts)


def swept_methods(per_method: dict, candidates: Sequence[str]) -> dict:
    """The methods of a study that belong in its sweep: all its sweep arms
    but HGD's where they are only references (``hgd@x1`` of HGD v3's
    candidates, ``hgd@x0.125`` of ``hgd+<mechanism>@x0.125``)."""
    references = {'hgd@x1'} if any(c in V3_CANDIDATES
                                   for c in candidates) else set()
    references |= {mechanism_reference(c) for c in candidates
                   if parse_mechanism_name(c) is not None}
    reference_only = not any(c.startswith('hgd@') and c not in references
                             for c in candidates)
    return {m: stats for m, stats in per_method.items()
            if not (reference_only and m in references)}


def kept_candidates(own_report: str, candidates: Sequence[str],
                    no_import: bool) -> List[str]:
    """The candidates the report covers: ``candidates`` after every arm of
    the committed report (``own_report``) that they do not name, so that a
    run of a few arms (a grid widened at its edge) adds them to the report
    and never drops the others; ``candidates`` alone with ``no_import`` or
    where there is no report yet."""
    if no_import or not osp.exists(own_report):
        return list(candidates)
    with open(own_report) as f:
        earlier = list(json.load(f)['setting'].get('candidates', {}))
    return [*(c for c in earlier if c not in candidates), *candidates]


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run (or resume) the study on the tuning split; write its report.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    if args.candidates is None:
        args.candidates = default_candidates(args.setting)
    suffix = f'_{args.setting}' if args.setting else ''
    args.out_name = args.out_name or f'tuning{suffix}'
    args.work_dir = args.work_dir or osp.join(REPO, 'work_dirs',
                                              f'bench_tuning{suffix}')
    own_report = osp.join(args.out_dir, args.out_name + '.json')
    reported = kept_candidates(own_report, args.candidates, args.no_import)
    arms = {c: arm_named(c) for c in reported}
    if args.setting:
        arms = {c: on_setting(arm, args.setting) for c, arm in arms.items()}
    teacher_cfg = TEACHER_CFG
    if args.setting:
        teacher_cfg = SETTINGS[args.setting]['teacher']
        setting = study.prepare_setting(args.setting, 'tune', args.quick,
                                        args.data_root,
                                        args.teacher_work_dir)
    else:
        setting = study.prepare('tune', args.quick, args.data_root,
                                args.teacher_work_dir)
    plan = [(arms[c], s) for s in args.seeds for c in args.candidates]
    study.import_committed(args, own_report, [setting])
    planned = study.run_arms(plan, setting, args.work_dir, args.jobs,
                             args.report_only)
    # The arms kept from the committed report, with their runs at any seed.
    seeds = sorted({*args.seeds, *(r['seed'] for r in study.load_runs(
        osp.join(args.work_dir, 'runs.json')))})
    kept = [(arms[c], s) for c in reported if c not in args.candidates
            for s in seeds]
    runs = study.run_arms(kept, setting, args.work_dir,
                          report_only=True) + planned
    names: List[str] = [c for c in reported if c != 'baseline']
    comparisons = [(c, 'baseline') for c in names]
    comparisons += [(c, 'neck') for c in names
                    if c in CANDIDATES and c != 'neck']
    comparisons += [(c, V3_REFERENCE) for c in names
                    if c in V3_CANDIDATES and c != V3_REFERENCE]
    comparisons += [(c, mechanism_reference(c)) for c in names
                    if parse_mechanism_name(c) is not None and
                    mechanism_reference(c) in reported]
    summary = study.summarize(runs, comparisons)
    report = dict(
        setting=dict(
            name=setting.name, split='tune',
            teacher=osp.relpath(teacher_cfg, REPO),
            candidates={c: dict(config=osp.relpath(arms[c].config, REPO),
                                options=arms[c].options)
                        for c in reported},
            seeds=seeds, options=setting.base_options),
        teacher=setting.teacher_split_metrics,
        teacher_bbox_mAP=setting.teacher_split_metrics['bbox_mAP'],
        teacher_weights=study.teacher_weights([setting]),
        runs=runs,
        summary=summary,
        sweep=sweep_summary(swept_methods(summary['methods'], reported)))
    study.write_report(report, args.out_dir, args.out_name, report_markdown)
    return report
