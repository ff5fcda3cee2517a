"""study.append_run: studies sharing a work dir never drop each other's
runs (each finished run is merged into runs.json as it is on disk)."""
import json
import multiprocessing

from hgd_mm_dev.benchmarks.study import append_run, load_runs


def append_many(path: str, writer: int, count: int) -> None:
    for index in range(count):
        append_run(path, dict(method=f'w{writer}', seed=index))


def test_two_processes_appending_keep_every_run(tmp_path):
    path = str(tmp_path / 'runs.json')
    context = multiprocessing.get_context('fork')
    writers = [context.Process(target=append_many, args=(path, w, 25))
               for w in range(2)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0
    runs = load_runs(path)
    assert sorted((r['method'], r['seed']) for r in runs) == sorted(
        (f'w{w}', i) for w in range(2) for i in range(25))
    with open(path) as f:
        json.load(f)  # a whole JSON document, never a torn write


def test_a_committed_report_seeds_a_fresh_work_dir_once(tmp_path):
    from hgd_mm_dev.benchmarks.study import import_runs
    runs = [dict(method='pkd@x1', seed=s, split='tune', teacher_key='t',
                 arm_key='k', bbox_mAP=30.0 + s) for s in (0, 1)]
    runs.append(dict(method='old', seed=0, split='val', bbox_mAP=1.0))
    report = tmp_path / 'tuning.json'
    report.write_text(json.dumps(dict(runs=runs)))
    work = tmp_path / 'work'
    assert import_runs(str(report), str(work)) == 2  # 'old' has no teacher
    assert import_runs(str(report), str(work)) == 0  # not twice
    assert [r['seed'] for r in load_runs(str(work / 'runs.json'))] == [0, 1]


def test_a_report_takes_the_run_made_last(tmp_path):
    from hgd_mm_dev.benchmarks.study import Arm, Setting, run_arms
    work = tmp_path / 'work'
    work.mkdir()
    arm = Arm('pkd@x1', 'unused.py')
    # Retrained after a change of code: the stale runs stay in the file.
    for key, score in (('old', 20.0), ('new', 25.0)):
        for seed in (0, 1):
            append_run(str(work / 'runs.json'),
                       dict(method='pkd@x1', seed=seed, split='tune',
                            teacher_key='t', arm_key=key, bbox_mAP=score))
    setting = Setting(str(tmp_path), 'tune', dict(key='t'), {}, {}, False)
    runs = run_arms([(arm, 0), (arm, 1)], setting, str(work),
                    report_only=True)
    assert [(r['seed'], r['arm_key']) for r in runs] == [(0, 'new'),
                                                         (1, 'new')]


def test_an_import_keeps_a_run_of_the_other_precision(tmp_path):
    from hgd_mm_dev.benchmarks.study import import_runs
    run = dict(method='pkd@x1', seed=0, split='tune', teacher_key='t',
               arm_key='k', bbox_mAP=30.0)
    work = tmp_path / 'work'
    work.mkdir()
    append_run(str(work / 'runs.json'), dict(run, precision='bf16'))
    report = tmp_path / 'tuning.json'
    report.write_text(json.dumps(dict(runs=[dict(run, precision='fp32')])))
    assert import_runs(str(report), str(work)) == 1
    assert sorted(r['precision'] for r in load_runs(
        str(work / 'runs.json'))) == ['bf16', 'fp32']


def test_an_import_never_supersedes_a_run_made_here(tmp_path):
    """The report's run of (arm, seed) made by older code is not added
    where the work dir has its own run of that arm and seed: a report
    (which takes the latest run) keeps the one made here. A missing report
    (a study never committed) imports nothing."""
    from hgd_mm_dev.benchmarks.study import (Arm, Setting, import_committed,
                                             run_arms)
    work = tmp_path / 'work'
    work.mkdir()
    append_run(str(work / 'runs.json'),
               dict(method='pkd@x1', seed=0, split='tune', teacher_key='t',
                    arm_key='new', bbox_mAP=25.0))
    report = tmp_path / 'tuning.json'
    report.write_text(json.dumps(dict(runs=[
        dict(method='pkd@x1', seed=s, split='tune', teacher_key='t',
             arm_key='old', bbox_mAP=20.0) for s in (0, 1)])))
    import argparse
    args = argparse.Namespace(no_import=False, import_runs=[str(report)],
                              work_dir=str(work))
    # the own report was never committed; the named one fills seed 1 only
    assert import_committed(args, str(tmp_path / 'never.json')) == 1
    args.no_import, args.import_runs = True, []
    assert import_committed(args, str(report)) == 0  # --no-import
    setting = Setting(str(tmp_path), 'tune', dict(key='t'), {}, {}, False)
    arm = Arm('pkd@x1', 'unused.py')
    runs = run_arms([(arm, 0), (arm, 1)], setting, str(work),
                    report_only=True)
    assert [(r['seed'], r['arm_key']) for r in runs] == [(0, 'new'),
                                                         (1, 'old')]


def test_runs_of_a_teacher_that_scores_otherwise_here_are_not_imported(
        tmp_path):
    """Same teacher key (same inputs) but another score on the report's
    split: the teacher trained here is another model, so the report's runs
    are trained again; where it scores the same, they are imported."""
    from hgd_mm_dev.benchmarks.study import Setting, import_runs
    from hgd_mm_dev.mini.runs import METRICS
    recorded = {k: 40.0 + i for i, k in enumerate(METRICS)}
    report = tmp_path / 'tuning.json'
    report.write_text(json.dumps(dict(
        setting=dict(name='pair', split='tune'), teacher=recorded,
        runs=[dict(method='pkd@x1', seed=0, split='tune', teacher_key='t',
                   arm_key='k', bbox_mAP=30.0)])))

    def here(metrics, split='tune'):
        return Setting('d', split, dict(key='t'), metrics, {}, False, 'pair')

    other = dict(recorded, bbox_mAP=40.1)
    assert import_runs(str(report), str(tmp_path / 'a'), [here(other)]) == 0
    # scored on another split: nothing to compare with
    assert import_runs(str(report), str(tmp_path / 'b'),
                       [here(other, 'val')]) == 1
    assert import_runs(str(report), str(tmp_path / 'c'),
                       [here(dict(recorded))]) == 1


def test_imports_follow_the_teacher_weights_where_runs_record_them(
        tmp_path):
    """The teacher's weights digest decides, whatever the scores (a reference
    teacher restored on another machine may score 0.1 mAP otherwise there):
    a run's own digest first, else its report's for the setting."""
    from hgd_mm_dev.benchmarks.study import Setting, import_runs
    from hgd_mm_dev.mini.runs import METRICS
    scores = {k: 40.0 for k in METRICS}
    run = dict(method='pkd@x1', seed=0, split='tune', teacher_key='t',
               arm_key='k', bbox_mAP=30.0)
    report = tmp_path / 'tuning.json'

    def write(runs, **extra):
        report.write_text(json.dumps(dict(
            setting=dict(name='pair', split='tune'), teacher=scores,
            runs=runs, **extra)))

    def here(weights, metrics=scores):
        return Setting('d', 'tune', dict(key='t', weights_sha256=weights),
                       metrics, {}, False, 'pair')

    other_scores = dict(scores, bbox_mAP=40.1)
    write([dict(run, teacher_weights='w1'),
           dict(run, seed=1, teacher_weights='w2')])
    assert import_runs(str(report), str(tmp_path / 'a'),
                       [here('w1', other_scores)]) == 1
    assert [r['seed'] for r in load_runs(str(tmp_path / 'a' / 'runs.json'))
            ] == [0]
    # runs from before the per-run digest: the report's digest decides
    write([run], teacher_weights={'pair': 'w1'})
    assert import_runs(str(report), str(tmp_path / 'b'),
                       [here('w1', other_scores)]) == 1
    assert import_runs(str(report), str(tmp_path / 'c'), [here('w2')]) == 0
    # a report from before any digest: the scores decide, as before
    write([run])
    assert import_runs(str(report), str(tmp_path / 'd'),
                       [here('w1', other_scores)]) == 0
    assert import_runs(str(report), str(tmp_path / 'e'), [here('w1')]) == 1


def test_an_import_says_where_committed_runs_are_in_another_precision(
        tmp_path, monkeypatch, capsys):
    from hgd_mm_dev.benchmarks.study import import_runs
    monkeypatch.setenv('HGD_MM_PRECISION', 'fp32')
    runs = [dict(method='pkd@x1', seed=s, split='tune', teacher_key='t',
                 arm_key='k', bbox_mAP=30.0, precision=p)
            for s, p in ((0, 'bf16'), (1, 'bf16'), (2, 'fp32'))]
    report = tmp_path / 'tuning.json'
    report.write_text(json.dumps(dict(runs=runs)))
    import_runs(str(report), str(tmp_path / 'work'))
    out = capsys.readouterr().out
    assert (f'[study] 2 runs of {report} are in bf16; this machine trains '
            f'in fp32 (forced by HGD_MM_PRECISION=fp32)') in out
    assert 'HGD_MM_PRECISION=bf16 continues them' in out
    monkeypatch.setenv('HGD_MM_PRECISION', 'bf16')
    import_runs(str(report), str(tmp_path / 'work'))
    out = capsys.readouterr().out
    assert '1 runs of' in out and 'are in fp32' in out
    assert 'are in bf16' not in out


def test_two_arms_training_the_same_thing_train_once(tmp_path, monkeypatch):
    """A tuned arm whose best weight is the shipped one (fbkd_tuned at x1)
    has the shipped arm's key: it is trained once, and the second name
    records that run (same_run_as); an arm of another key still trains."""
    from hgd_mm_dev.benchmarks import study
    from hgd_mm_dev.mini import runs as mini_runs
    keys = {'a.py': 'k1', 'b.py': 'k2'}
    monkeypatch.setattr(study, 'arm_key', lambda config, options: keys[config])
    monkeypatch.setattr(study, 'run_precision', lambda config: 'fp32')
    monkeypatch.setattr(study, 'run_provenance',
                        lambda repo, setting, options, key, precision,
                        threads: dict(arm_key=key, precision=precision))
    trained = []

    def train(config, work_dir, options, **kwargs):
        trained.append((config, options['randomness.seed']))
        return dict({k: 30.0 for k in mini_runs.METRICS}, s_per_iter=0.1)

    monkeypatch.setattr(mini_runs, 'train', train)
    monkeypatch.setattr(study, 'options_of',
                        lambda arm, setting, seed: {'randomness.seed': seed})
    shipped, tuned = study.Arm('fbkd', 'a.py'), study.Arm('fbkd_tuned', 'a.py')
    other = study.Arm('pkd_tuned', 'b.py')
    setting = study.Setting(str(tmp_path), 'val', dict(key='t'), {}, {},
                            False)
    work = str(tmp_path / 'work')
    plan = [(arm, s) for s in (0, 1) for arm in (shipped, tuned, other)]
    runs = study.run_arms(plan, setting, work, jobs=2)
    assert sorted(trained) == [('a.py', 0), ('a.py', 1), ('b.py', 0),
                               ('b.py', 1)]
    assert [(r['method'], r['seed'], r.get('same_run_as')) for r in runs] == [
        ('fbkd', 0, None), ('fbkd_tuned', 0, 'fbkd'), ('pkd_tuned', 0, None),
        ('fbkd', 1, None), ('fbkd_tuned', 1, 'fbkd'), ('pkd_tuned', 1, None)]
    # resumed: nothing trains again, the report finds the recorded twins
    trained.clear()
    assert study.run_arms(plan, setting, work, jobs=2) == runs
    assert study.run_arms(plan, setting, work, report_only=True) == runs
    assert trained == []
