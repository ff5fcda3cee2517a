"""The README's distillation config over local teacher/student configs
trains as written; a local ``cfg_path`` fails with an error naming it."""
import os.path as osp
import re
import subprocess
import sys

import pytest

from hgd_mm.engine import LocalCfgPathError, check_cfg_paths
from helpers import MINI, REPO, train, train_log

MARKER = '# hgd_my_student.py\n'


def readme_block() -> str:
    with open(osp.join(REPO, 'README.md')) as f:
        blocks = re.findall(r'```python\n(.*?)```', f.read(), re.S)
    matching = [b for b in blocks if b.startswith(MARKER)]
    assert len(matching) == 1, 'the README lost its local-config example'
    return matching[0]


def local_configs(folder) -> str:
    """The README block next to a local ``my_student.py`` (the mini
    student's config: model = {{_base_.student}}, teacher a variable)."""
    student = osp.join(MINI, 'retinanet_r18-w16_fpn64_mini.py')
    (folder / 'my_student.py').write_text(f'_base_ = [{student!r}]\n')
    config = folder / 'hgd_my_student.py'
    config.write_text(readme_block())
    return str(config)


def test_readme_local_config_example_trains(mini_data, teacher_ckpt,
                                            tmp_path):
    config = local_configs(tmp_path)
    work_dir = tmp_path / 'work'
    train(config, work_dir, f'model.teacher_ckpt={teacher_ckpt}')
    log = train_log(work_dir)
    assert 'distill.loss_hgd_neck_0' in log  # HGD trained, not a plain run
    assert (work_dir / 'epoch_1.pth').exists()


@pytest.mark.parametrize('key', ['architecture', 'teacher'])
def test_local_cfg_path_names_the_working_pattern(tmp_path, key):
    (tmp_path / 'my_student.py').write_text('model = dict(type="RetinaNet")')
    config = tmp_path / 'hgd_local.py'
    config.write_text(
        "model = dict(_scope_='mmrazor', type='FpnTeacherDistill', "
        f"architecture=dict(cfg_path='mmdet::retinanet/"
        "retinanet_r18_fpn_1x_coco.py'), "
        f"teacher=dict(cfg_path='mmdet::retinanet/"
        "retinanet_r50_fpn_1x_coco.py'))\n"
        f"model['{key}'] = dict(cfg_path='./my_student.py')\n")
    result = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), str(config),
         '--work-dir', str(tmp_path / 'work')], cwd=REPO,
        capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert f"LocalCfgPathError: model.{key}.cfg_path='./my_student.py' " \
        'names a local file' in result.stderr
    assert 'architecture={{_base_.student}}' in result.stderr
    assert 'mmengine.hub.get_model' in result.stderr  # why it fails


def test_package_cfg_paths_pass_the_check():
    check_cfg_paths(dict(model=dict(
        architecture=dict(cfg_path='mmdet::retinanet/x.py'),
        teacher=dict(type='RetinaNet'))))
    with pytest.raises(LocalCfgPathError, match='model.teacher.cfg_path'):
        check_cfg_paths(dict(model=dict(teacher=dict(cfg_path='t.py'))))
