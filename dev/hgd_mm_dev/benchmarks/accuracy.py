"""Accuracy benchmark on the mini setting (``tools/benchmarks/accuracy.py``):
HGD against MMRazor's distillers.

Every method trains the same student from the same pre-trained backbone,
with the same data, schedule and cached teacher, at several seeds:

- the main pair (student FPN as wide as the teacher's, as on COCO): the
  plain student, HGD and MMRazor's PKD, CWD, MGD, FBKD and FitNets as
  MMRazor ships them;
- the heterogeneous pair (student FPN 16 channels, teacher's 64): the plain
  student, HGD and PKD with 1x1 connectors;
- HGD's ablations.

Writes ``accuracy.json`` (``setting``, ``teacher``, ``runs`` and
``summary``: per method n / mean / std, and HGD's differences with their
95 % Welch intervals), ``accuracy.md`` (the tables the README quotes) and
``accuracy.png``. Runs are scored on the reported split, ``val``; choices
are made on ``tune`` (:mod:`.tuning`). Resumable run by run
(:mod:`.study`).
"""
import argparse
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..mini.paths import (HGD_CFG, MINI_CONFIGS, NARROW_HGD_CFG,
                          NARROW_STUDENT_CFG, REPO, RESULTS, SETTINGS,
                          STUDENT_CFG, TEACHER_CFG)
from . import study
from .accuracy_report import PEERS, markdown, plot
from .provenance import arm_key
from .settings_matrix import NARROW_FPN, matrix_summary, plot_matrix
from .mechanisms import parse_mechanism_name
from .tuning import arm_named, candidate_name, on_setting
from .weight_sweep import TUNED, WEIGHTED, load_tuned_weights

__all__ = [
    'METHODS', 'HETEROGENEOUS', 'ABLATIONS', 'COMPARISONS', 'setting_arms',
    'tuned_arms', 'tuned_comparisons', 'candidate_arms',
    'candidate_comparisons', 'parse_args', 'main'
]

PAIR = 'retina_r18_retina_r18-w16_mini.py'
#: HGD as first formulated and shipped (all stages, every stage through a
#: learnable 1x1 connector, uniform positions, no attention term, fixed 1/K,
#: total weight 15), kept as the reference the later versions are measured
#: against.
HGD_V1_OPTIONS = {
    'model.distiller.stages': 'all',
    'model.distiller.connector.project': True,
    'model.distiller.micro': None,
    'model.distiller.loss.gamma': 0.0,
    'model.distiller.macro.mode': 'fixed',
    'model.distiller.macro.group_schedules': None,
    'model.distiller.schedule.loss_weight': 15.0,
}
METHODS = {
    'baseline': study.Arm('baseline', STUDENT_CFG, distill=False),
    'hgd': study.Arm('hgd', HGD_CFG),
    'hgd_v1': study.Arm('hgd_v1', HGD_CFG, HGD_V1_OPTIONS),
    **{
        peer: study.Arm(peer, osp.join(MINI_CONFIGS, 'peers',
                                       f'{peer}_fpn_{PAIR}'))
        for peer in PEERS
    },
}
#: The heterogeneous pair's arms (their runs record its setting, so that
#: the matrix keeps them out of the main pair's row).
HETEROGENEOUS = {
    'narrow_baseline': study.Arm('narrow_baseline', NARROW_STUDENT_CFG,
                                 distill=False, setting=NARROW_FPN),
    'narrow_hgd': study.Arm('narrow_hgd', NARROW_HGD_CFG, setting=NARROW_FPN),
    'narrow_pkd': study.Arm(
        'narrow_pkd',
        osp.join(MINI_CONFIGS, 'heterogeneous',
                 'pkd_fpn_retina_r18_retina_r18-w16-fpn16_mini.py'),
        setting=NARROW_FPN),
}
ABLATIONS = {
    f'hgd_{name}': study.Arm(
        f'hgd_{name}',
        osp.join(MINI_CONFIGS, 'ablations', f'hgd_ablation_{name}_{PAIR}'))
    for name in ('fixed-macro', 'no-micro', 'no-teacher-confidence',
                 'no-consistency', 'no-distribution', 'all-stages')
}
#: (method, reference) pairs reported with their Welch intervals.
COMPARISONS: Tuple[Tuple[str, str], ...] = (
    ('hgd', 'baseline'), *(('hgd', peer) for peer in PEERS),
    ('hgd', 'hgd_v1'), ('hgd_v1', 'baseline'),
    *((peer, 'baseline') for peer in PEERS),
    ('narrow_hgd', 'narrow_baseline'), ('narrow_hgd', 'narrow_pkd'),
    ('narrow_pkd', 'narrow_baseline'),
    *((name, 'hgd') for name in ABLATIONS))


#: The methods every setting of :data:`SETTINGS` runs.
SETTING_METHODS = ('baseline', 'hgd', 'pkd', 'cwd', 'mgd')


def setting_arms(name: str,
                 tuned: Optional[Dict[str, Dict[str, float]]] = None,
                 as_shipped: bool = False,
                 methods: Sequence[str] = SETTING_METHODS
                 ) -> Dict[str, study.Arm]:
    """The arms of a setting of :data:`SETTINGS`, named ``<setting>:<method>``
    (the matrix reads the method after the colon); with ``tuned``
    (:func:`.weight_sweep.load_tuned_weights`), also
    ``<setting>:<method>_tuned`` at the weights tuned on the main pair,
    unchanged: a user does not re-tune per detector.

    Args:
        name: the setting.
        tuned: each method's tuned options.
        as_shipped: also the methods at their shipped weights (without it
            and with ``tuned``, the plain student and the tuned rows only:
            the rows the matrix compares).
        methods: the methods of :data:`SETTING_METHODS` to run (e.g. more
            seeds of the two rows an interval compares).
    """
    configs = SETTINGS[name]
    shipped = [m for m in methods if m == 'baseline' or
               (m in configs and (as_shipped or not tuned))]
    arms = {
        f'{name}:{method}': study.Arm(
            f'{name}:{method}', configs['student' if method == 'baseline'
                                        else method],
            distill=method != 'baseline', setting=name)
        for method in shipped
    }
    for method, options in (tuned or {}).items():
        if method in configs and method in methods:
            label = f'{name}:{method}{TUNED}'
            arms[label] = study.Arm(label, configs[method], options,
                                    setting=name)
    return arms


def tuned_arms(tuned: Dict[str, Dict[str, float]]) -> Dict[str, study.Arm]:
    """The main pair's ``<method>_tuned`` arms: each swept method's config at
    its best multiplier of the sweep."""
    return {f'{m}{TUNED}': study.Arm(f'{m}{TUNED}', WEIGHTED[m].config, o)
            for m, o in tuned.items()}


def tuned_comparisons(
        tuned: Dict[str, Dict[str, float]]) -> List[Tuple[str, str]]:
    """Each tuned row against the plain student and against its as-shipped
    row; HGD tuned against every tuned peer."""
    pairs = [(f'{m}{TUNED}', 'baseline') for m in tuned]
    pairs += [(f'{m}{TUNED}', m) for m in tuned]
    if 'hgd' in tuned:
        pairs += [(f'hgd{TUNED}', f'{p}{TUNED}') for p in tuned
                  if p != 'hgd']
    return pairs


def candidate_arms(name: str,
                   candidates: Sequence[str]) -> Dict[str, study.Arm]:
    """Tuning arms (:func:`.tuning.arm_named`, e.g. ``hgd+hints@x0.125``)
    on the setting ``name``, named ``<setting>:<arm>``: a candidate chosen
    on the tune split, confirmed on val beside the setting's rows."""
    arms = {}
    for candidate in candidates:
        arm = on_setting(arm_named(candidate), name)
        label = f'{name}:{candidate}'
        arms[label] = study.Arm(label, arm.config, arm.options, arm.distill,
                                setting=name)
    return arms


def candidate_comparisons(runs: Sequence[dict]) -> List[Tuple[str, str]]:
    """Each setting's HGD-with-a-mechanism row (``<setting>:hgd+...``)
    against its ``<setting>:hgd_tuned`` row and, where the runs hold them,
    its tuned peers' rows (``<setting>:<peer>_tuned``: whether the
    candidate would lead where HGD does not), for every such row in
    ``runs`` (so a later run of the benchmark keeps the comparisons)."""
    methods = dict.fromkeys(r['method'] for r in runs)
    rows = [m for m in methods if ':' in m and
            parse_mechanism_name(m.split(':', 1)[1]) is not None]
    pairs = []
    for row in rows:
        setting = row.split(':', 1)[0]
        pairs.append((row, f'{setting}:hgd{TUNED}'))
        pairs += [(row, f'{setting}:{peer}{TUNED}') for peer in PEERS
                  if f'{setting}:{peer}{TUNED}' in methods]
    return pairs


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='Accuracy benchmark on the mini setting: HGD against '
        'MMRazor\'s distillers, every method at several seeds.')
    methods = [*METHODS, *HETEROGENEOUS]
    parser.add_argument('--seeds', type=int, nargs='+',
                        default=[0, 1, 2, 3, 4])
    parser.add_argument('--methods', nargs='*', default=methods,
                        choices=methods,
                        help='the main pair\'s methods (default: all; '
                        'given alone, none: e.g. more seeds of --settings '
                        'only, with --ablation-seeds alone)')
    parser.add_argument('--ablation-seeds', type=int, nargs='*',
                        default=[0, 1, 2])
    parser.add_argument(
        '--settings', nargs='*', default=[], choices=list(SETTINGS),
        help='further settings, each with its own teacher (trained and '
        'cached under work_dirs/settings/<setting>), run at --seeds: '
        f'{", ".join(SETTING_METHODS)}')
    parser.add_argument(
        '--tuned', metavar='TUNING_REPORT',
        help='also run every method of this weight sweep (the report of '
        'tools/benchmarks/tuning.py, e.g. docs/results/tuning.json) at its '
        'best multiplier: <method>_tuned rows, on the main pair and, '
        'unchanged, on every --settings (unless --settings-tuned)')
    parser.add_argument(
        '--settings-tuned', metavar='TUNING_REPORT',
        help='the weight sweep the --settings\' tuned rows use instead of '
        '--tuned, e.g. docs/results/tuning_retinanet-depth.json (tuned on '
        'setting a, used unchanged on the others)')
    parser.add_argument(
        '--settings-as-shipped', action='store_true',
        help='with tuned weights, also run the --settings\' methods at their '
        'shipped weights (by default a setting then runs the plain student '
        'and the tuned rows, which its matrix row compares)')
    parser.add_argument(
        '--setting-methods', nargs='*', default=list(SETTING_METHODS),
        choices=SETTING_METHODS,
        help='the methods each --settings runs (default: all; e.g. more '
        'seeds of hgd and the best peer alone)')
    parser.add_argument(
        '--setting-candidates', nargs='*', default=[], metavar='ARM',
        type=candidate_name,
        help='tuning arms (names of tools/benchmarks/tuning.py '
        '--candidates, e.g. hgd+hints@x0.125) also run on every --settings '
        'at --seeds, as <setting>:<arm>, each compared with the setting\'s '
        'hgd_tuned row: a candidate chosen on tune, confirmed on val')
    parser.add_argument('--ablations', nargs='*', default=list(ABLATIONS),
                        choices=list(ABLATIONS))
    parser.add_argument('--split', default='val', choices=('val', 'tune'),
                        help='the split runs are scored on (val: the '
                        'reported one)')
    parser.add_argument('--out-dir', default=RESULTS)
    parser.add_argument('--work-dir', default=osp.join(
        REPO, 'work_dirs', 'bench_accuracy'))
    parser.add_argument(
        '--teacher-work-dir',
        help='where the main pair\'s teacher is cached (trained when '
        'missing) as <dir>/teacher/teacher.pth, the mini configs\' default '
        'teacher_ckpt; default: work_dirs/demo (work_dirs/demo_quick with '
        '--quick)')
    parser.add_argument('--data-root', help='default: data/mini_coco '
                        '(data/mini_coco_quick with --quick)')
    parser.add_argument('--quick', action='store_true',
                        help='a few iterations on a tiny set (for tests)')
    parser.add_argument('--jobs', type=int, default=2,
                        help='runs side by side, one torch thread each')
    study.add_import_arguments(parser)
    parser.add_argument('--report-only', action='store_true',
                        help='write the report from the runs done so far '
                        '(WORK_DIR/runs.json), training nothing')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        metavar='KEY=VALUE',
                        help='applied to every run (e.g. a shorter schedule)')
    return parser.parse_args(argv)


def current_key(setting: study.Setting) -> Callable[[study.Arm], str]:
    """An arm's key as a study with ``setting``'s options would record it
    today (:func:`.provenance.arm_key` of its config and options; the
    config is the arm's own, so an arm of another setting's sweep gets its
    setting's key)."""
    return lambda arm: arm_key(arm.config,
                               study.options_of(arm, setting, 0))


def plan_of(args: argparse.Namespace,
            tuned: Optional[Dict[str, Dict[str, float]]] = None
            ) -> List[Tuple[study.Arm, int]]:
    """(arm, seed) pairs, seed-major so that partial results cover every
    method."""
    arms = {**METHODS, **HETEROGENEOUS}
    chosen = [arms[m] for m in args.methods]
    chosen += tuned_arms(tuned or {}).values()
    plan = [(arm, s) for s in args.seeds for arm in chosen]
    plan += [(ABLATIONS[a], s) for s in args.ablation_seeds
             for a in args.ablations]
    return plan


def kept_fields(committed: dict, kept: Sequence[dict]) -> dict:
    """What the runs kept from the committed report (``kept``,
    :func:`.study.kept_runs`) bring into the new one: their arms' configs
    and options, their settings' teachers and weights digests, the main
    pair's tuned methods among them (whose comparisons the summary keeps)
    and the record of the sweeps their tuned rows came from."""
    names = {r['method'] for r in kept}
    settings = {r.get('setting') for r in kept}
    recorded = committed.get('setting', {})
    return dict(
        configs={m: c for m, c in recorded.get('configs', {}).items()
                 if m in names},
        arm_options={m: o for m, o in recorded.get('arm_options', {}).items()
                     if m in names},
        teachers={s: t for s, t in study.report_teachers(committed).items()
                  if s in settings},
        teacher_weights={s: w for s, w in committed.get(
            'teacher_weights', {}).items() if s in settings},
        tuned={m[:-len(TUNED)]: {} for m in names
               if m.endswith(TUNED) and ':' not in m},
        tuned_record=recorded.get('tuned') if any(
            m.endswith(TUNED) for m in names) else None)


def seeds_held(runs: Sequence[dict]) -> Dict[str, List[int]]:
    """The seeds the report's runs hold (``seeds``: of the methods and
    settings, ``ablation_seeds``: of the main pair's ablations), whichever
    invocation ran them: a report resumed with ``--seeds 5 6`` keeps the
    runs of seeds 0-4 too."""
    def seeds_of(chosen: Sequence[dict]) -> List[int]:
        return sorted({r['seed'] for r in chosen})

    return dict(
        seeds=seeds_of([r for r in runs if r['method'] not in ABLATIONS]),
        ablation_seeds=seeds_of([r for r in runs
                                 if r['method'] in ABLATIONS]))


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run (or resume) the benchmark and write its report; return it.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    setting = study.prepare(args.split, args.quick, args.data_root,
                            args.teacher_work_dir, args.cfg_options)
    tuned = (load_tuned_weights(args.tuned, current_key(setting))
             if args.tuned else {})
    # Only the setting rows about to run must have been tuned by today's
    # code (setting_arms builds the tuned rows of args.setting_methods).
    settings_tuned = (load_tuned_weights(args.settings_tuned,
                                         current_key(setting),
                                         checked=args.setting_methods)
                      if args.settings_tuned else tuned)
    plan = plan_of(args, tuned)
    # Every setting's teacher first: the import checks each against the
    # report's (see study.import_runs).
    others = {
        name: study.prepare_setting(name, args.split, args.quick,
                                    args.data_root,
                                    cfg_options=args.cfg_options)
        for name in args.settings}
    study.import_committed(args, osp.join(args.out_dir, 'accuracy.json'),
                           [setting, *others.values()])
    runs = study.run_arms(plan, setting, args.work_dir, args.jobs,
                          args.report_only)
    teachers = {setting.name: setting.teacher_split_metrics}
    for name, other in others.items():
        arms = setting_arms(name, settings_tuned, args.settings_as_shipped,
                            args.setting_methods)
        arms.update(candidate_arms(name, args.setting_candidates))
        setting_plan = [(arm, s) for s in args.seeds for arm in arms.values()]
        plan += setting_plan
        runs += study.run_arms(setting_plan, other, args.work_dir, args.jobs,
                               args.report_only)
        teachers[name] = other.teacher_split_metrics
    kept, committed = (([], {}) if args.no_import else study.kept_runs(
        osp.join(args.out_dir, 'accuracy.json'), runs,
        [setting, *others.values()]))
    runs = kept + runs
    earlier = kept_fields(committed, kept)
    report = dict(
        setting=dict(
            data=('hgd_mm_dev.mini defaults (1200 train / 1000 val / '
                  '1000 tune, 160 px, 6 classes, seed 0)'
                  if not args.quick else 'quick: 16 train / 8 val / 8 tune'),
            split=args.split,
            teacher=osp.relpath(TEACHER_CFG, REPO),
            student=osp.relpath(STUDENT_CFG, REPO),
            configs={**earlier['configs'],
                     **{arm.name: osp.relpath(arm.config, REPO)
                        for arm, _ in plan}},
            arm_options={**earlier['arm_options'],
                         **{arm.name: arm.options
                            for arm, _ in plan if arm.options}},
            **seeds_held(runs),
            options=setting.base_options,
            tuned=dict(report=args.tuned, weights=tuned,
                       settings_report=args.settings_tuned or args.tuned,
                       settings_weights=settings_tuned)
            if tuned or settings_tuned else earlier['tuned_record']),
        teacher=setting.teacher_split_metrics,
        teacher_bbox_mAP=setting.teacher_split_metrics['bbox_mAP'],
        teacher_weights={**earlier['teacher_weights'], **study.teacher_weights(
            [setting, *others.values()])},
        teachers={**earlier['teachers'], **teachers},
        runs=runs,
        summary=study.summarize(runs, [
            *COMPARISONS,
            *tuned_comparisons({**earlier['tuned'], **tuned}),
            *candidate_comparisons(runs)]),
        matrix=matrix_summary(runs))
    study.write_report(report, args.out_dir, 'accuracy', markdown)
    plot(report, osp.join(args.out_dir, 'accuracy.png'))
    plot_matrix(runs, report['matrix'],
                osp.join(args.out_dir, 'accuracy_settings.png'))
    return report
