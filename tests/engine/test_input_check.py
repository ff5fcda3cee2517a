import pytest
from mmengine.config import Config

from hgd_mm.engine import check_teacher_inputs


def distill_cfg(scale):
    return Config(dict(
        model=dict(teacher=dict(
            cfg_path='mmdet::retinanet/retinanet_r50_fpn_1x_coco.py')),
        train_dataloader=dict(dataset=dict(pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=scale, keep_ratio=True)
        ]))))


def test_teacher_trained_at_another_scale_warns():
    with pytest.warns(UserWarning, match='resize scales'):
        problems = check_teacher_inputs(distill_cfg((640, 384)))
    assert len(problems) == 1


def test_same_scale_is_quiet(recwarn):
    # mmdet's RetinaNet config trains at (1333, 800).
    assert check_teacher_inputs(distill_cfg((1333, 800))) == []
    assert not [w for w in recwarn if 'HGD input check' in str(w.message)]


def test_inline_teacher_is_not_checked():
    cfg = Config(dict(model=dict(teacher=dict(type='RetinaNet'))))
    assert check_teacher_inputs(cfg) == []
