import pytest
from mmengine.config import Config

from hgd_mm.engine import check_pretrained_checkpoints, check_teacher_inputs
from helpers import MINI


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


def test_missing_pretrained_backbone_names_the_file_and_the_fix(
        tmp_path, monkeypatch):
    monkeypatch.setenv('HGD_MINI_PRETRAINED', str(tmp_path) + '/')
    config = f'{MINI}/hgd_retina_r18_retina_r18-w16_mini.py'
    cfg = Config.fromfile(config)
    with pytest.raises(FileNotFoundError) as error:
        check_pretrained_checkpoints(cfg, config)
    message = str(error.value)
    # the student's backbone; the teacher's weights come from teacher_ckpt
    assert f'{tmp_path}/resnet18-w16.pth' in message
    assert 'resnet18-w64' not in message
    assert 'init_cfg.checkpoint' in message
    (tmp_path / 'resnet18-w16.pth').write_bytes(b'')
    check_pretrained_checkpoints(cfg, config)  # present: nothing to say
