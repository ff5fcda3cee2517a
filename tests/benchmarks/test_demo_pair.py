"""The demo trains its own, lighter pair (configs/mini/demo/) in either
precision, its teacher in a work dir of its own beside the main pair's
(the runs are replaced by recorders: nothing is trained here;
tests/tools/test_demo_and_accuracy.py runs it for real, in fp32)."""
import os.path as osp

import pytest

from hgd_mm_dev.benchmarks import demo
from hgd_mm_dev.mini import paths


@pytest.mark.parametrize('precision', ['bf16', 'fp32'])
def test_the_demo_trains_its_pair_and_records_it(precision, tmp_path,
                                                 monkeypatch):
    trained, pretrained_for, teachers = [], [], []
    metrics = dict(bbox_mAP=10.0, bbox_mAP_50=0.0, bbox_mAP_s=0.0,
                   bbox_mAP_m=0.0, bbox_mAP_l=0.0, s_per_iter=0.1)

    def teacher_run(work_root, data_root, options, pretrained, cfg, name):
        teachers.append((cfg, name))
        return dict(metrics, checkpoint=osp.join(work_root, name, 't.pth'))

    def train(cfg, work_dir, options, **kwargs):
        trained.append((cfg, osp.basename(work_dir),
                        options.get('model.teacher_ckpt')))
        return dict(metrics)

    monkeypatch.setattr(demo, 'resolve_precision', lambda: precision)
    monkeypatch.setattr(demo.runs, 'ensure_mini_data', lambda *a, **k: None)
    monkeypatch.setattr(demo.runs, 'ensure_pretrained_backbones',
                        lambda cfgs, *a, **k: pretrained_for.extend(cfgs)
                        or {})
    monkeypatch.setattr(demo.runs, 'teacher_run', teacher_run)
    monkeypatch.setattr(demo.runs, 'train', train)
    monkeypatch.setattr(demo.runs, 'complexity',
                        lambda cfg: dict(params_m=1.0, flops_g=1.0))
    report = demo.main(['--work-dir', str(tmp_path)])

    assert pretrained_for == [paths.DEMO_TEACHER_CFG, paths.DEMO_STUDENT_CFG]
    assert teachers == [(paths.DEMO_TEACHER_CFG, paths.DEMO_TEACHER_RUN)]
    assert paths.DEMO_TEACHER_RUN != 'teacher'  # the main pair's stays
    ckpt = osp.join(str(tmp_path), paths.DEMO_TEACHER_RUN, 't.pth')
    assert sorted(trained) == sorted([
        (paths.DEMO_STUDENT_CFG, 'student', None),
        (paths.DEMO_HGD_CFG, 'hgd', ckpt)])
    assert report['precision'] == precision
    assert report['configs'] == {
        'teacher': 'configs/mini/demo/retinanet_r18-w32_fpn64_mini.py',
        'student': 'configs/mini/demo/retinanet_r18-w16_fpn64_mini.py',
        'hgd': 'configs/mini/demo/hgd_retina_r18-w32_retina_r18-w16_mini.py'}
    assert list(report['rows']) == list(demo.NAMES.values())
