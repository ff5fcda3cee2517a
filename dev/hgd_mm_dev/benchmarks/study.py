"""What the accuracy benchmark and the tuning study share: arms (a config
plus options) trained at several seeds from the same pre-trained backbones
and cached teacher, resumable run by run, and summarised with Welch
intervals (:mod:`.statistics`).

Each finished run is appended to ``WORK_DIR/runs.json`` at once, keyed by
(arm, seed, split, teacher key): an interrupted study continues where it
stopped, and runs of another setting are neither resumed nor reported.
Two arms of one plan that train the same thing (same arm key and
precision: a tuned arm at the shipped weight) train once; the second
records the first's run under its own name (``same_run_as``).
"""
import argparse
import fcntl
import json
import os
import os.path as osp
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..mini import runs as mini_runs
from ..mini.paths import (DATA_ROOT, DEMO_ROOT, PRETRAINED_ROOT,
                          QUICK_DATA_ROOT, QUICK_DEMO_ROOT,
                          QUICK_PRETRAINED_ROOT, REPO, SETTINGS,
                          SHARED_TEACHERS, STUDENT_CFG, TEACHER_CFG)
from .provenance import (arm_key, check_poolable, run_precision,
                         run_provenance)
from .statistics import describe, welch_interval

__all__ = [
    'Arm', 'Setting', 'prepare', 'prepare_setting', 'run_arms', 'import_runs',
    'add_import_arguments', 'import_committed', 'summarize', 'write_report'
]

#: Distillation runs evaluate the student only (the teacher is scored once),
#: which halves the evaluation time of a run.
STUDENT_ONLY_EVAL = {'val_cfg.type': 'ValLoop'}


@dataclass(frozen=True)
class Arm:
    """One trained variant: a config and its ``--cfg-options``.

    Args:
        name: the arm's name in runs and tables.
        config: its config file.
        options: ``--cfg-options`` on top of the study's.
        distill: whether the config is a distillation algorithm (its
            detector options go under ``model.architecture`` and it gets
            the teacher checkpoint).
        setting: the benchmark setting (teacher-student pair) it belongs
            to; every run records it.
    """
    name: str
    config: str
    options: Dict[str, object] = field(default_factory=dict)
    distill: bool = True
    setting: str = 'retinanet-quarter-width'


@dataclass
class Setting:
    """Data, backbones and teacher every arm of a study shares."""
    data_root: str
    split: str
    teacher: dict
    teacher_split_metrics: Dict[str, float]
    base_options: Dict[str, object]
    quick: bool
    name: str = 'retinanet-quarter-width'

    @property
    def teacher_weights(self) -> Optional[str]:
        """The digest of the teacher's weights (its identity, whatever the
        machine that scored it)."""
        return self.teacher.get('weights_sha256')


def prepare(split: str,
            quick: bool,
            data_root: Optional[str],
            teacher_work_dir: Optional[str],
            cfg_options: Sequence[str] = (),
            name: str = 'retinanet-quarter-width',
            teacher_cfg: str = TEACHER_CFG,
            student_cfgs: Sequence[str] = (STUDENT_CFG, ),
            teacher_key_students: Optional[Sequence[str]] = None) -> Setting:
    """Make (or reuse) the data, the pre-trained backbones and the teacher,
    and score the teacher on ``split``.

    Args:
        split: ``val`` (reported) or ``tune`` (for choosing).
        quick: tiny data, pre-training and runs (for the tests).
        data_root: the mini dataset; ``data/mini_coco(_quick)`` when None.
        teacher_work_dir: where the teacher is cached (``<dir>/teacher``);
            None: ``work_dirs/demo`` (``work_dirs/demo_quick`` when quick),
            beside the demo's own teacher (``<dir>/demo_teacher``).
        cfg_options: ``KEY=VALUE`` applied to every student run.
        name: the setting's name.
        teacher_cfg: its teacher's config (the main pair's by default).
        student_cfgs: its students' plain configs (their backbones are
            pre-trained with the teacher's).
        teacher_key_students: the students whose backbones the teacher's
            cache key names (None: ``student_cfgs``): a setting that
            distils from another setting's teacher names that setting's
            students, so that it finds that teacher, not trains its own
            into the same place.
    """
    if split not in ('val', 'tune'):
        raise ValueError(f"split={split!r}: use 'val' or 'tune'")
    if data_root is None:  # never let --quick replace the full set
        data_root = QUICK_DATA_ROOT if quick else DATA_ROOT
    if teacher_work_dir is None:  # nor the full setting's teacher
        teacher_work_dir = QUICK_DEMO_ROOT if quick else DEMO_ROOT
    mini_runs.ensure_mini_data(data_root,
                               **(mini_runs.QUICK_DATA if quick else {}))
    pretrained_root = QUICK_PRETRAINED_ROOT if quick else PRETRAINED_ROOT
    # The teacher's backbone is made only if the teacher must be trained:
    # a cached or reference teacher needs its key alone.
    students = mini_runs.ensure_pretrained_backbones(
        student_cfgs, pretrained_root, quick=quick)
    pretrained = dict(
        mini_runs.ensure_pretrained_backbones(
            [teacher_cfg], pretrained_root, quick=quick, make=False),
        **(students if teacher_key_students is None else
           mini_runs.ensure_pretrained_backbones(
               teacher_key_students, pretrained_root, quick=quick,
               make=False)))
    quick_options = dict(mini_runs.QUICK_OPTIONS if quick else {})
    teacher = mini_runs.teacher_run(
        teacher_work_dir, data_root,
        dict(quick_options, **{'randomness.seed': 0}), pretrained,
        teacher_cfg, before_training=lambda: mini_runs.
        ensure_pretrained_backbones([teacher_cfg], pretrained_root,
                                    quick=quick))
    if split == 'val':
        teacher_metrics = {k: teacher[k] for k in mini_runs.METRICS}
    else:
        teacher_metrics = mini_runs.evaluate(
            teacher_cfg, teacher['checkpoint'],
            osp.join(teacher_work_dir, 'teacher', f'test_{split}'),
            data_root, env={'HGD_MINI_EVAL_SPLIT': split},
            options={k: v for k, v in quick_options.items()
                     if k.startswith('model.')})
    base = dict(quick_options)
    base.update(option.split('=', 1) for option in cfg_options)
    return Setting(data_root, split, teacher, teacher_metrics, base, quick,
                   name)


def prepare_setting(name: str, split: str, quick: bool,
                    data_root: Optional[str],
                    teacher_work_dir: Optional[str] = None,
                    cfg_options: Sequence[str] = ()) -> Setting:
    """:func:`prepare` for a benchmark setting of ``SETTINGS``: its teacher
    (cached under its work root, ``_quick`` with ``quick``) and its student;
    a setting of ``SHARED_TEACHERS`` keys its teacher by the owning
    setting's student, so that it finds that setting's teacher."""
    configs = SETTINGS[name]
    if teacher_work_dir is None:
        teacher_work_dir = configs['work_root'] + ('_quick' if quick else '')
    owner = SHARED_TEACHERS.get(name)
    return prepare(split, quick, data_root, teacher_work_dir, cfg_options,
                   name=name, teacher_cfg=configs['teacher'],
                   student_cfgs=[configs['student']],
                   teacher_key_students=(None if owner is None else
                                         [SETTINGS[owner]['student']]))


def options_of(arm: Arm, setting: Setting, seed: int) -> Dict[str, object]:
    """The ``--cfg-options`` of one run of ``arm``."""
    options = dict(setting.base_options, **{'randomness.seed': seed})
    if not arm.distill:
        return dict(options, **arm.options)
    options = mini_runs.distill_options(options)
    options.update(STUDENT_ONLY_EVAL)
    options['model.teacher_ckpt'] = setting.teacher['checkpoint']
    return dict(options, **arm.options)


def load_runs(path: str) -> List[dict]:
    """The runs an earlier invocation finished (none if it never ran)."""
    if not osp.exists(path):
        return []
    with open(path) as f:
        return json.load(f)


def append_run(runs_file: str, run: dict) -> None:
    """Add ``run`` to ``runs_file`` as it is on disk now, under an exclusive
    lock and by an atomic rename: two studies sharing a work dir (e.g. two
    invocations side by side) never drop each other's runs."""
    with open(runs_file + '.lock', 'w') as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        runs = load_runs(runs_file) + [run]
        partial = runs_file + '.part'
        with open(partial, 'w') as f:
            json.dump(runs, f, indent=1)
        os.replace(partial, runs_file)


def run_arms(plan: Sequence[Tuple[Arm, int]], setting: Setting,
             work_dir: str, jobs: int = 1,
             report_only: bool = False) -> List[dict]:
    """Train every (arm, seed) of ``plan`` not done yet; return the runs of
    the plan (done before or now), in plan order.

    Args:
        plan: (arm, seed) pairs.
        setting: what :func:`prepare` returned.
        work_dir: holds one work dir per run and ``runs.json``.
        jobs: runs side by side, one torch thread each.
        report_only: train nothing, return the stored runs (made by
            whatever code; their provenance says which).
    """
    os.makedirs(work_dir, exist_ok=True)
    runs_file = osp.join(work_dir, 'runs.json')
    stored = load_runs(runs_file)
    key = setting.teacher['key']

    # What each arm trains now and in which precision: a stored run made by
    # other code or in another precision is not this arm's run, and is
    # trained again. A report (report_only) takes the stored runs as they
    # are; summarize() refuses to pool runs of one method that differ.
    # (Keys are made here, before any run starts: making one changes
    # os.environ for a moment, see provenance.placeholder_paths.)
    current = {} if report_only else {
        arm.name: (arm_key(arm.config, options_of(arm, setting, 0)),
                   run_precision(arm.config))
        for arm, _ in plan}

    def done(arm: Arm, seed: int) -> Optional[dict]:
        # The latest run of (arm, seed): a report without keys (report_only)
        # takes the run made last, not a stale one made before it.
        for run in reversed(stored):
            if ((run['method'], run['seed'], run.get('split'),
                 run.get('teacher_key')) == (arm.name, seed, setting.split,
                                             key) and
                    (report_only or (run.get('arm_key'), run.get('precision'))
                     == current[arm.name])):
                return run
        return None

    stale = [r for r in stored if r.get('teacher_key') != key]
    if stale:
        print(f'[study] ignoring {len(stale)} runs of {runs_file} made with '
              f'another teacher or setting', flush=True)
    outdated = [r for r in stored if r.get('teacher_key') == key and
                r['method'] in current and
                (r.get('arm_key'), r.get('precision')) != current[r['method']]]
    if outdated:
        print(f'[study] ignoring {len(outdated)} runs of {runs_file} made by '
              f'other code or in another precision: '
              f'{sorted({r["method"] for r in outdated})}', flush=True)

    def twin(arm: Arm, seed: int) -> Optional[dict]:
        # The same training under another name (a tuned arm whose best
        # multiplier is the shipped weight trains what the shipped arm
        # trains): its run is this arm's too, never trained twice.
        for run in reversed(stored):
            if ((run['seed'], run.get('split'), run.get('teacher_key'),
                 run.get('arm_key'), run.get('precision')) ==
                    (seed, setting.split, key, *current[arm.name])):
                return run
        return None

    todo, planned = [], set()
    for i, (arm, seed) in enumerate(plan, 1):
        if report_only or done(arm, seed) is not None:
            continue
        training = (current[arm.name], seed)
        if training not in planned and twin(arm, seed) is None:
            todo.append((i, arm, seed))
        planned.add(training)
    lock = threading.Lock()

    def run_one(item) -> None:
        index, arm, seed = item
        label = f'{arm.name} s{seed}'
        print(f'[study {index}/{len(plan)}] {label} ({setting.split})',
              flush=True)
        options = options_of(arm, setting, seed)
        threads = 1 if jobs > 1 else None
        provenance = run_provenance(REPO, arm.setting, options,
                                    *current[arm.name],
                                    threads=mini_runs.intra_op_threads(
                                        threads))
        result = mini_runs.train(
            arm.config,
            osp.join(work_dir, f'{arm.name}_{setting.split}_seed{seed}'),
            options, label=label,
            data_root=setting.data_root, quiet=True, threads=threads,
            env={'HGD_MINI_EVAL_SPLIT': setting.split})
        run = dict(method=arm.name, seed=seed, split=setting.split,
                   **{k: result[k] for k in mini_runs.METRICS},
                   s_per_iter=result['s_per_iter'], teacher_key=key,
                   teacher_weights=setting.teacher_weights, **provenance)
        with lock:
            stored.append(run)
            append_run(runs_file, run)
        print(f'[study {index}/{len(plan)}] {label}: mAP '
              f'{result["bbox_mAP"]:.1f}', flush=True)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(run_one, todo))
    for arm, seed in plan:
        same = None if report_only or done(arm, seed) else twin(arm, seed)
        if same is not None:
            run = dict(same, method=arm.name, same_run_as=same['method'])
            stored.append(run)
            append_run(runs_file, run)
            print(f'[study] {arm.name} s{seed}: the run of {same["method"]} '
                  f'(the same config and options)', flush=True)
    runs = [done(arm, seed) for arm, seed in plan]
    return [run for run in runs if run is not None]


def report_teachers(report: dict) -> Dict[str, Dict[str, float]]:
    """A report's teachers' metrics on its split, by setting name (the
    accuracy benchmark's ``teachers``; a tuning study's one ``teacher``)."""
    if report.get('teachers'):
        return report['teachers']
    name = report.get('setting', {}).get('name')
    return {name: report['teacher']} if name and 'teacher' in report else {}


def teacher_weights(settings: Sequence[Setting]) -> Dict[str, str]:
    """Each setting's teacher weights digest, by setting name (a report's
    ``teacher_weights``)."""
    return {s.name: s.teacher_weights for s in settings if s.teacher_weights}


def same_teacher(recorded: Dict[str, float], now: Dict[str, float]) -> bool:
    """Whether a teacher trained here scores what the report's did (every
    COCO metric, to 1e-4 mAP %): the test for a report that predates the
    weights digests."""
    return all(abs(recorded.get(k, float('nan')) - now[k]) < 1e-4
               for k in mini_runs.METRICS)


def setting_of(run: dict, settings: Sequence[Setting]) -> Optional[Setting]:
    """The setting here that ``run`` belongs to: the one it names with its
    teacher key (two settings may share a teacher, ``SHARED_TEACHERS``),
    else the one of its teacher key, else None."""
    keyed = [s for s in settings if s.teacher['key'] == run.get('teacher_key')]
    named = [s for s in keyed if s.name == run.get('setting')]
    return (named or keyed or [None])[0]


def importable(run: dict, report: dict,
               setting: Optional[Setting]) -> bool:
    """Whether ``run`` of ``report`` was distilled from the teacher this
    machine has for its teacher key (``setting``, :func:`setting_of`): the
    same weights (the run's digest, else its report's for the setting), or,
    for a report from before the digests, the same scores on the same
    split. A run of a teacher key no setting here has (``setting`` None) is
    kept (it is not this study's concern)."""
    if setting is None:
        return True
    theirs = (run.get('teacher_weights') or
              report.get('teacher_weights', {}).get(setting.name))
    if theirs and setting.teacher_weights:
        return theirs == setting.teacher_weights
    recorded = report_teachers(report).get(setting.name)
    if (recorded is None or
            report.get('setting', {}).get('split') != setting.split):
        return True
    return same_teacher(recorded, setting.teacher_split_metrics)


def precision_note(report_file: str, runs: Sequence[dict]) -> None:
    """Say so where a committed report's runs are in another precision than
    this machine trains in: they never pool with the runs made here (the
    precision is part of a run's slot), and one variable continues them."""
    from hgd_mm.engine.precision import decide_precision
    here, reason = decide_precision()
    theirs = sorted({r['precision'] for r in runs if r.get('precision')} -
                    {here})
    for other in theirs:
        count = sum(r.get('precision') == other for r in runs)
        print(f'[study] {count} runs of {report_file} are in {other}; this '
              f'machine trains in {here} ({reason}): they do not pool with '
              f'the runs made here. HGD_MM_PRECISION={other} continues them '
              f'in their precision.', flush=True)


def import_runs(report_file: str, work_dir: str,
                settings: Sequence[Setting] = ()) -> int:
    """Add the runs of a committed report (``docs/results/*.json``) to
    ``WORK_DIR/runs.json``, so that a study begun in another session (and
    on another machine) continues where it stopped. Only gaps are filled:
    a run is added where the work dir has no run of its (method, seed,
    split, teacher, precision) yet, so a run made here, later than the
    report or by newer code, is never superseded by the report's. Returns
    how many were added.

    Args:
        report_file: a report written by a study (its ``runs``).
        work_dir: the study's work dir.
        settings: the study's settings, as :func:`prepare` made them here.
            A run distilled from another teacher than the one here for
            its teacher key (:func:`importable`: other weights; the same
            inputs trained on another machine give other weights, unless
            restored from the reference weights, ``hgd_mm_dev.mini.
            reference``) is not imported.
    """
    with open(report_file) as f:
        report = json.load(f)
    runs = report.get('runs', [])
    os.makedirs(work_dir, exist_ok=True)
    runs_file = osp.join(work_dir, 'runs.json')

    def slot(run: dict) -> tuple:
        # A run in the other precision is another run, as in run_arms.
        keys = ('method', 'seed', 'split', 'teacher_key', 'precision')
        return tuple(run.get(k) for k in keys)

    known = {slot(run) for run in load_runs(runs_file)}
    added = 0
    refused: Dict[str, int] = {}
    for run in runs:
        if run.get('teacher_key') is None:
            continue  # made before runs recorded their teacher: not resumable
        setting = setting_of(run, settings)
        if not importable(run, report, setting):
            name = setting.name
            refused[name] = refused.get(name, 0) + 1
        elif slot(run) not in known:
            append_run(runs_file, run)
            known.add(slot(run))
            added += 1
    precision_note(report_file,
                   [r for r in runs if r.get('teacher_key') is not None])
    for name, count in refused.items():
        print(f'[study] not importing {count} runs of {report_file} on '
              f'{name}: they were distilled from another teacher than the '
              f'one here (other weights, or other scores where the report '
              f'has no weights digest); they are trained again', flush=True)
    print(f'[study] imported {added} runs of {report_file} into {runs_file}',
          flush=True)
    return added


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """``--import-runs`` and ``--no-import``, as every study takes them
    (:func:`import_committed`)."""
    parser.add_argument(
        '--import-runs', metavar='REPORT', nargs='+', default=[],
        help='first add the runs of these committed reports (e.g. '
        'docs/results/tuning_v3.json) to WORK_DIR/runs.json where it has '
        'no run of theirs yet; the study\'s own report (OUT_DIR/<name>.json) '
        'is always imported so, unless --no-import')
    parser.add_argument(
        '--no-import', action='store_true',
        help='do not import the study\'s own committed report: train every '
        'run not in WORK_DIR/runs.json')


def import_committed(args: argparse.Namespace, own_report: str,
                     settings: Sequence[Setting] = ()) -> int:
    """:func:`import_runs` of the study's own committed report
    (``own_report``, unless ``args.no_import``) and of every
    ``args.import_runs``, those that exist, into ``args.work_dir``: a study
    continues where its committed report stopped, on any machine. Returns
    how many runs were added."""
    reports = [*([] if args.no_import else [own_report]), *args.import_runs]
    return sum(import_runs(path, args.work_dir, settings)
               for path in reports if osp.exists(path))


def kept_runs(own_report: str, planned: Sequence[dict],
              settings: Sequence[Setting]) -> Tuple[List[dict], dict]:
    """The runs of a study's committed report (``own_report``) that this
    invocation's runs (``planned``) do not cover, so that a study of a few
    arms or seeds (one more setting, the ablations) adds them to the report
    and drops none of the others: the runs of the teacher here
    (:func:`importable`) of another (method, seed), and of an arm planned
    here only where made by the same code in the same precision (an arm
    changed since is reported by its new runs alone). Returns the runs and
    the committed report (``{}`` where there is none), whose teachers and
    configs they bring along."""
    if not osp.exists(own_report):
        return [], {}
    with open(own_report) as f:
        report = json.load(f)
    slots = {(r['method'], r['seed']) for r in planned}
    made = {r['method']: (r.get('arm_key'), r.get('precision'))
            for r in planned}
    runs = [r for r in report.get('runs', [])
            if (r['method'], r['seed']) not in slots and
            made.get(r['method'], (r.get('arm_key'), r.get('precision')))
            == (r.get('arm_key'), r.get('precision')) and
            importable(r, report, setting_of(r, settings))]
    return runs, report


def summarize(runs: List[dict],
              comparisons: Sequence[Tuple[str, str]]) -> dict:
    """Per method ``n``, ``mean``, ``std`` of mAP (and the mean of every
    metric); per comparison (a, b) the difference a - b with its 95 %
    Welch interval.

    Args:
        runs: the study's runs.
        comparisons: (method, reference) pairs; pairs with a method
            without runs are left out.

    Raises:
        ValueError: when the runs of one method were made by different
            code or precision (:func:`.provenance.check_poolable`).
    """
    check_poolable(runs)
    methods = list(dict.fromkeys(r['method'] for r in runs))
    scores = {m: [r['bbox_mAP'] for r in runs if r['method'] == m]
              for m in methods}
    per_method = {}
    for method in methods:
        mine = [r for r in runs if r['method'] == method]
        per_method[method] = dict(
            describe(scores[method]),
            **{k: sum(r[k] for r in mine) / len(mine)
               for k in mini_runs.METRICS if k != 'bbox_mAP'})
    differences = [
        dict(method=a, reference=b, **welch_interval(scores[a], scores[b]))
        for a, b in comparisons if a in scores and b in scores
    ]
    return dict(methods=per_method, differences=differences)


def write_report(report: dict, out_dir: str, name: str,
                 markdown: Callable[[dict], str]) -> None:
    """Write ``NAME.json`` and its table ``NAME.md`` to ``out_dir`` and print
    the table.

    Args:
        report: the study's report.
        out_dir: made if missing.
        name: the files' name (``accuracy``, ``tuning``).
        markdown: renders the report as the table.
    """
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, f'{name}.json'), 'w') as f:
        json.dump(report, f, indent=1)
    table = markdown(report)
    with open(osp.join(out_dir, f'{name}.md'), 'w') as f:
        f.write(table)
    print(table)
