"""HGD_MM_COMPAT_DISABLE: every fix can be switched off, a switched-off fix
leaves the upstream function in place, and the README lists every fix."""
import os
import re

import pytest

from helpers import REPO, run_python
from hgd_mm import compat


def test_unknown_fix_name_is_an_error_naming_the_fixes(monkeypatch):
    monkeypatch.setenv('HGD_MM_COMPAT_DISABLE', 'cpu_distributed, cpu_ddp')
    with pytest.raises(ValueError, match="unknown .*'cpu_ddp'") as error:
        compat.apply()
    for name in compat.FIXES:
        assert name in str(error.value)


def test_disabled_fixes_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv('HGD_MM_COMPAT_DISABLE',
                       ' mmcv_ops_bf16,,cpu_distributed ')
    assert compat.disabled_fixes() == {'mmcv_ops_bf16', 'cpu_distributed'}
    assert not compat.enabled('mmcv_ops_bf16')
    assert compat.enabled('mmengine_checkpoints')


def test_without_the_quantization_stand_in_mmrazor_fails_as_upstream():
    result = run_python('import hgd_mm', env={
        'HGD_MM_COMPAT_DISABLE': 'mmrazor_quantization_import'})
    assert result.returncode != 0
    assert 'torch>=1.13' in result.stderr


def test_switched_off_import_time_fixes_leave_upstream_in_place(tmp_path):
    path = str(tmp_path / 'meta.pth')
    result = run_python(f"""
        import numpy as np, torch
        torch.save(dict(meta=dict(seed=np.int64(7))), {path!r})
        import mmengine.dist.utils as dist_utils
        from mmengine.model import MMDistributedDataParallel
        init_dist, ddp_init = (dist_utils._init_dist_pytorch,
                               MMDistributedDataParallel.__init__)
        import hgd_mm
        from mmrazor.models import SingleTeacherDistill
        print('init_dist', dist_utils._init_dist_pytorch is init_dist)
        print('ddp', MMDistributedDataParallel.__init__ is ddp_init)
        print('teacher',
              not hasattr(SingleTeacherDistill.__init__, '__wrapped__'))
        try:
            torch.load({path!r}, weights_only=True)
        except Exception:
            print('checkpoint refused')
    """, env={'HGD_MM_COMPAT_DISABLE':
              'mmengine_checkpoints,cpu_distributed,strict_teacher_ckpt'})
    assert result.returncode == 0, result.stderr[-3000:]
    for line in ('init_dist True', 'ddp True', 'teacher True',
                 'checkpoint refused'):
        assert line in result.stdout, result.stdout


def test_readme_table_lists_every_fix_and_how_to_switch_it_off():
    with open(os.path.join(REPO, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    section = readme.split('### Compatibility fixes', 1)[1]
    section = section.split('\n## ', 1)[0]
    rows = re.findall(r'^\| `(\w+)` \|(.*)\|$', section, re.MULTILINE)
    assert sorted(name for name, _ in rows) == sorted(compat.FIXES)
    for name, row in rows:
        assert f'HGD_MM_COMPAT_DISABLE={name}' in row, name
