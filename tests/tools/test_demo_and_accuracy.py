"""`make demo`, the accuracy benchmark and the tuning study in their tiny
modes, so they never rot (no timing or accuracy is asserted: a few
iterations learn nothing)."""
import glob
import json
import os
import os.path as osp

import pytest

from helpers import REPO, run


def test_demo_quick_then_accuracy_and_tuning_quick_on_its_data(
        tmp_path):
    work, data = tmp_path / 'work', tmp_path / 'data'
    # The fp32 path, forced (this may be a bf16 machine, where bf16 autocast
    # takes about 3x the time of fp32 on these tiny models): no assertion
    # here is about precision but the forced one; the bf16 path has tests of
    # its own (tests/engine, tests/compat, tests/tools/test_reliability_runs
    # and the Faster R-CNN run of test_train_test_tools).
    fp32 = dict(os.environ, HGD_MM_PRECISION='fp32')
    output = run([osp.join(REPO, 'tools', 'demo.py'), '--quick',
                  '--work-dir', str(work), '--data-root', str(data),
                  '--out', str(tmp_path / 'demo.json')], env=fp32)
    assert '| student + HGD |' in output and 'Wall time of the demo' in output
    assert '[pretrain]' in output and 'held-out crop accuracy' in output
    demo = json.load(open(tmp_path / 'demo.json'))
    assert demo['wall_s'] > 0 and len(demo['pretrained']) == 2
    # every stage timed, in order, adding up to the wall time
    from hgd_mm_dev.benchmarks.demo import STAGES
    assert list(demo['stage_s']) == list(STAGES)
    assert sum(demo['stage_s'].values()) == pytest.approx(demo['wall_s'])
    assert min(demo['stage_s'].values()) >= 0
    assert demo['precision'] == 'fp32'
    assert {'model', 'bf16_native', 'flags'} <= set(demo['cpu'])
    logs = glob.glob(str(work / '*' / '*' / '*.log'))
    assert logs
    for log in logs:
        assert 'Precision: fp32 on CPU (forced by HGD_MM_PRECISION=fp32)' \
            in open(log).read()
    table = demo['rows']
    assert len(table) == 3
    assert all('bbox_mAP' in row and row['flops_g'] > 0
               for row in table.values())
    flops = [row['flops_g'] for row in table.values()]
    assert flops[0] >= 1.5 * flops[1]  # teacher: 1.9x the student's FLOPs
    # the demo's own teacher, in its own work dir (the main pair's teacher
    # path, work/teacher, is the benchmarks')
    assert demo['rows']['teacher (RetinaNet R18 x1/2, FPN 64)'][
        'checkpoint'] == str(work / 'demo_teacher' / 'teacher.pth')
    assert not (work / 'teacher').exists()
    meta = json.load(open(data / 'meta.json'))
    assert set(meta['splits']) == {'train', 'val', 'tune'}

    # A run left by an earlier setting (no teacher key) must be neither
    # resumed nor reported.
    bench = tmp_path / 'bench'
    bench.mkdir()
    stale = dict(method='baseline', seed=0, split='val', bbox_mAP=99.0,
                 bbox_mAP_50=99.0, bbox_mAP_s=99.0, bbox_mAP_m=99.0,
                 bbox_mAP_l=99.0)
    (bench / 'runs.json').write_text(json.dumps([stale]))
    out_dir = tmp_path / 'results'
    common = ['--quick', '--teacher-work-dir', str(work), '--data-root',
              str(data), '--out-dir', str(out_dir), '--jobs', '2']
    output = run([osp.join(REPO, 'tools', 'benchmarks', 'accuracy.py'),
                  '--seeds', '0', '1', '--methods', 'baseline', 'hgd',
                  '--ablations', 'hgd_no-micro',
                  '--ablation-seeds', '0', '--work-dir', str(bench),
                  *common], env=fp32)
    # the demo's data, and the main pair's own teacher beside the demo's
    assert '[teacher] training' in output
    assert (work / 'teacher' / 'teacher.pth').exists()
    assert 'ignoring 1 runs' in output
    report = json.load(open(out_dir / 'accuracy.json'))
    assert [r['bbox_mAP'] for r in report['runs']
            if r['method'] == 'baseline'] != [99.0]
    assert [(r['method'], r['seed']) for r in report['runs']] == [
        ('baseline', 0), ('hgd', 0), ('baseline', 1), ('hgd', 1),
        ('hgd_no-micro', 0)]
    assert {'method', 'seed', 'split', 'bbox_mAP', 'bbox_mAP_50',
            'bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l'} <= set(report['runs'][0])
    summary = report['summary']
    assert summary['methods']['hgd']['n'] == 2
    pairs = [(d['method'], d['reference']) for d in summary['differences']]
    assert ('hgd', 'baseline') in pairs and ('hgd_no-micro', 'hgd') in pairs
    hgd_vs_student = summary['differences'][pairs.index(('hgd', 'baseline'))]
    assert hgd_vs_student['n_a'] == hgd_vs_student['n_b'] == 2
    assert 'teacher_bbox_mAP' in report and report['setting']['split'] == 'val'
    assert (out_dir / 'accuracy.png').stat().st_size > 0
    assert '| hgd |' in (out_dir / 'accuracy.md').read_text()

    # Every run records how it was made.
    for record in report['runs']:
        assert len(record['commit']) == 40
        assert record['precision'] == 'fp32'  # as forced
        assert record['setting'] == 'retinanet-quarter-width'
        assert record['options']['randomness.seed'] == str(record['seed'])
        assert record['cpu']['model'] and record['arm_key']

    # A study of a few arms (here the ablation alone, nothing to train)
    # keeps the committed report's other arms, their runs and comparisons.
    run([osp.join(REPO, 'tools', 'benchmarks', 'accuracy.py'),
         '--seeds', '0', '--methods', 'hgd', '--ablations', 'hgd_no-micro',
         '--ablation-seeds', '0', '--report-only', '--work-dir', str(bench),
         *common], env=fp32)
    kept = json.load(open(out_dir / 'accuracy.json'))
    assert sorted(map(json.dumps, kept['runs'])) == sorted(
        map(json.dumps, report['runs']))
    assert kept['setting']['configs'] == report['setting']['configs']
    for method, stats in report['summary']['methods'].items():
        assert kept['summary']['methods'][method]['n'] == stats['n']
        assert kept['summary']['methods'][method]['mean'] == \
            pytest.approx(stats['mean'])

    # The tuning study scores the tune split, teacher included: a mechanism
    # candidate of HGD v2 and one point of the weight sweep.
    output = run([osp.join(REPO, 'tools', 'benchmarks', 'tuning.py'),
                  '--seeds', '0', '--candidates', 'neck+micro', 'pkd@x0.5',
                  '--work-dir', str(tmp_path / 'tune'), *common], env=fp32)
    assert '[teacher] reusing' in output  # the one the accuracy run made
    tuning = json.load(open(out_dir / 'tuning.json'))
    assert {r['split'] for r in tuning['runs']} == {'tune'}
    assert [r['method'] for r in tuning['runs']] == ['neck+micro', 'pkd@x0.5']
    options = tuning['setting']['candidates']['neck+micro']['options']
    assert options['model.distiller.stages'] == 'neck'
    assert options['model.distiller.micro.mix'] == 0.5
    assert 'bbox_mAP' in tuning['teacher']
    pkd = tuning['runs'][1]['options']
    assert pkd['model.distiller.distill_losses.loss_pkd_fpn4.loss_weight'] \
        == '3.0'
    assert tuning['sweep']['pkd']['best']['value'] == 3.0
    assert '| pkd | 6 |' in (out_dir / 'tuning.md').read_text()

    # A study of one more arm (a grid widened at its edge) adds it to the
    # committed report and keeps every arm the report had, with its runs.
    run([osp.join(REPO, 'tools', 'benchmarks', 'tuning.py'),
         '--seeds', '0', '--candidates', 'pkd@x2', '--report-only',
         '--work-dir', str(tmp_path / 'tune'), *common], env=fp32)
    widened = json.load(open(out_dir / 'tuning.json'))
    assert list(widened['setting']['candidates']) == [
        'neck+micro', 'pkd@x0.5', 'pkd@x2']
    assert widened['runs'] == tuning['runs']  # pkd@x2 has not run yet


def test_quick_studies_never_touch_the_full_settings_teacher(monkeypatch):
    # A --quick run once trained its tiny teacher into work_dirs/demo and
    # replaced the real one; quick and full settings keep separate teachers.
    from hgd_mm_dev.benchmarks import study
    from hgd_mm_dev.mini import paths
    seen = []
    monkeypatch.setattr(study.mini_runs, 'ensure_mini_data',
                        lambda *a, **k: None)
    monkeypatch.setattr(study.mini_runs, 'ensure_pretrained_backbones',
                        lambda *a, **k: {})

    def teacher_run(work_root, *args, **kwargs):
        seen.append(work_root)
        return dict(key='k', checkpoint='t.pth',
                    **{m: 0.0 for m in study.mini_runs.METRICS})

    monkeypatch.setattr(study.mini_runs, 'teacher_run', teacher_run)
    study.prepare('val', True, None, None)
    study.prepare('val', False, None, None)
    assert seen == [paths.QUICK_DEMO_ROOT, paths.DEMO_ROOT]
    assert paths.QUICK_DEMO_ROOT != paths.DEMO_ROOT


def test_accuracy_runs_each_further_setting_with_its_own_teacher(
        monkeypatch, tmp_path):
    from hgd_mm_dev.benchmarks import accuracy, study
    from hgd_mm_dev.mini.paths import SETTINGS
    prepared, planned = [], []

    def prepare(split, quick, data_root, teacher_work_dir, cfg_options=(),
                name='retinanet-quarter-width', teacher_cfg=None,
                student_cfgs=(), teacher_key_students=None):
        prepared.append((name, teacher_work_dir, teacher_cfg,
                         list(student_cfgs)))
        return study.Setting('d', split, dict(key=name, checkpoint='t.pth'),
                             dict(bbox_mAP=50.0), {}, quick, name)

    def run_arms(plan, setting, work_dir, jobs=1, report_only=False):
        planned.extend((arm.name, arm.setting, seed) for arm, seed in plan)
        return [dict(method=arm.name, seed=seed, split='val', bbox_mAP=40.0 +
                     seed, bbox_mAP_50=0.0, bbox_mAP_s=0.0, bbox_mAP_m=0.0,
                     bbox_mAP_l=0.0, setting=arm.setting)
                for arm, seed in plan]

    monkeypatch.setattr(study, 'prepare', prepare)
    monkeypatch.setattr(study, 'run_arms', run_arms)
    report = accuracy.main(['--methods', 'baseline', 'hgd', '--seeds', '0',
                            '1', '--ablations', '--settings',
                            'retinanet-depth', '--out-dir', str(tmp_path)])
    depth = SETTINGS['retinanet-depth']
    assert prepared[1] == ('retinanet-depth', depth['work_root'],
                           depth['teacher'], [depth['student']])
    assert ('retinanet-depth:pkd', 'retinanet-depth', 1) in planned
    assert set(report['teachers']) == {'retinanet-quarter-width',
                                       'retinanet-depth'}
    assert set(report['matrix']) == {'retinanet-quarter-width',
                                     'retinanet-depth'}
    assert report['matrix']['retinanet-depth']['methods']['mgd']['n'] == 2
    assert (tmp_path / 'accuracy_settings.png').exists()
