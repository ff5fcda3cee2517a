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


def test_missing_mini_dataset_names_the_fix(tmp_path):
    import os
    import subprocess
    import sys

    from helpers import REPO
    empty = str(tmp_path / 'no_data') + '/'
    config = os.path.join(MINI, 'retinanet_r18-w16_fpn64_mini.py')
    env = dict(os.environ, HGD_MINI_DATA=empty)
    for tool, args in (('train.py', []), ('test.py', [__file__])):
        result = subprocess.run(
            [sys.executable, os.path.join(REPO, 'tools', tool), config,
             *args, '--work-dir', str(tmp_path / 'work')], cwd=REPO,
            env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode != 0
        assert 'DatasetMissingError' in result.stderr, result.stderr[-2000:]
        # the mini configs' own hint: how to make the data, where it is read
        assert 'python tools/misc/make_mini_dataset.py' in result.stderr
        assert f'now {empty}' in result.stderr
        assert 'make demo' in result.stderr and 'HGD_MINI_DATA' in \
            result.stderr


def test_the_engine_knows_no_project_layout(tmp_path):
    # Without a config hint the message names the file and the generic fix.
    from hgd_mm.engine import check_dataset_files
    from hgd_mm.engine.input_check import DatasetMissingError
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        data_root=str(tmp_path), ann_file='a.json'))))
    with pytest.raises(DatasetMissingError) as error:
        check_dataset_files(cfg, 'c.py')
    message = str(error.value)
    assert f'{tmp_path}/a.json' in message and 'data_root / ann_file' in \
        message
    assert 'mini' not in message


def test_existing_dataset_passes(mini_data):
    from hgd_mm.engine import check_dataset_files
    cfg = Config.fromfile(f'{MINI}/retinanet_r18-w16_fpn64_mini.py')
    check_dataset_files(cfg, 'x.py')  # nothing missing: no error
    cfg.val_dataloader.dataset.ann_file = 'annotations/missing.json'
    from hgd_mm.engine import DatasetMissingError
    with pytest.raises(DatasetMissingError, match='missing.json'):
        check_dataset_files(cfg, 'x.py')
    check_dataset_files(cfg, 'x.py', keys=('train_dataloader', ))
