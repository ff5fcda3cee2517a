"""local_cfg_path: a local cfg_path fails, under any tool, with hgd-mm's
error naming the pattern that works; package names pass through."""
import mmengine.hub
import pytest
from mmengine.config import Config

import hgd_mm  # noqa: F401  (installs the fix)
from helpers import MINI, run_python
from hgd_mm.engine import LocalCfgPathError


def local_cfg_path_config():
    cfg = Config.fromfile(f'{MINI}/hgd_retina_r18_retina_r18-w16_mini.py')
    cfg.model.teacher = dict(cfg_path='./my_teacher.py', pretrained=False)
    return cfg


def test_building_as_mmdet_train_does_names_the_working_pattern():
    from mmrazor.registry import MODELS
    cfg = local_cfg_path_config()
    # What mmdet's tools/train.py does: Runner.from_cfg builds the model
    # from the config through the registry of its scope.
    with pytest.raises(LocalCfgPathError) as error:
        MODELS.build(cfg.model)
    message = str(error.value)
    assert "cfg_path='./my_teacher.py' names a local file" in message
    assert "architecture={{_base_.student}}" in message


def test_package_names_reach_mmengine():
    # a package::path name is mmengine's to resolve (here: refused as
    # unknown, by mmengine's own message, not hgd-mm's)
    with pytest.raises(AssertionError, match='does not support to load'):
        mmengine.hub.get_model('nopackage::x/y.py')


def test_switched_off_mmengine_fails_as_upstream():
    result = run_python("""
        import hgd_mm, mmengine.hub
        try:
            mmengine.hub.get_model('./my_teacher.py')
        except Exception as error:
            print(type(error).__name__, error)
    """, env={'HGD_MM_COMPAT_DISABLE': 'local_cfg_path'})
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'ValueError `_get_package_and_cfg_path`' in result.stdout
    assert 'LocalCfgPathError' not in result.stdout
