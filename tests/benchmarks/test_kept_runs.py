"""A study of a few arms keeps the committed report's other runs
(study.kept_runs) and what they bring (accuracy.kept_fields)."""
import json

from hgd_mm_dev.benchmarks.accuracy import kept_fields
from hgd_mm_dev.benchmarks.study import kept_runs


def run(method, seed, arm_key='a', setting='retinanet-quarter-width'):
    return dict(method=method, seed=seed, arm_key=arm_key, precision='bf16',
                setting=setting, teacher_key='t', bbox_mAP=30.0 + seed)


def committed(tmp_path, runs):
    report = dict(
        setting=dict(configs={r['method']: f'{r["method"]}.py' for r in runs},
                     arm_options={'pkd_tuned': {'w': 1.5}},
                     tuned=dict(report='docs/results/tuning.json')),
        teachers={'retinanet-quarter-width': dict(bbox_mAP=46.9),
                  'retinanet-depth': dict(bbox_mAP=47.1)},
        teacher_weights={'retinanet-quarter-width': 'q',
                         'retinanet-depth': 'd'},
        runs=runs)
    path = tmp_path / 'accuracy.json'
    path.write_text(json.dumps(report))
    return str(path)


def test_runs_the_invocation_does_not_cover_are_kept(tmp_path):
    earlier = [run('baseline', 0), run('baseline', 1), run('hgd', 0),
               run('hgd', 1), run('pkd_tuned', 0),
               run('retinanet-depth:baseline', 0, setting='retinanet-depth')]
    path = committed(tmp_path, earlier)
    planned = [run('hgd', 0), run('hgd_no-micro', 0)]
    kept, report = kept_runs(path, planned, [])
    # hgd seed 0 is the invocation's own; seed 1 stays (same code)
    assert kept == [earlier[i] for i in (0, 1, 3, 4, 5)]
    fields = kept_fields(report, kept)
    assert set(fields['configs']) == {'baseline', 'hgd', 'pkd_tuned',
                                      'retinanet-depth:baseline'}
    assert fields['arm_options'] == {'pkd_tuned': {'w': 1.5}}
    assert set(fields['teachers']) == set(fields['teacher_weights']) == {
        'retinanet-quarter-width', 'retinanet-depth'}
    assert fields['tuned'] == {'pkd': {}}  # its comparisons stay
    assert fields['tuned_record'] == dict(report='docs/results/tuning.json')


def test_an_arm_changed_since_is_reported_by_its_new_runs_alone(tmp_path):
    path = committed(tmp_path, [run('hgd', 0), run('hgd', 1),
                                run('baseline', 0)])
    kept, _ = kept_runs(path, [run('hgd', 0, arm_key='new')], [])
    assert [r['method'] for r in kept] == ['baseline']


def test_no_report_keeps_nothing(tmp_path):
    assert kept_runs(str(tmp_path / 'missing.json'), [], []) == ([], {})
