"""hgd_mm_configs: after ``import hgd_mm``, ``hgd_mm::`` config names resolve
in mmengine's Config and hub; without it, mmengine refuses them."""
import os.path as osp

import mmengine.config.config as config_module
from mmengine.config import Config
from mmengine.hub import get_config

import hgd_mm
from helpers import MINI, REPO, run_python


def test_a_downstream_config_inherits_an_hgd_mm_config(tmp_path):
    config = tmp_path / 'downstream.py'
    config.write_text(
        "_base_ = ['hgd_mm::mini/retinanet_r18-w16_fpn64_mini.py']\n"
        'train_cfg = dict(max_epochs=2)\n')
    cfg = Config.fromfile(str(config))
    local = Config.fromfile(osp.join(MINI, 'retinanet_r18-w16_fpn64_mini.py'))
    assert cfg.model.to_dict() == local.model.to_dict()
    assert cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'
    assert cfg.train_cfg.max_epochs == 2


def test_hub_reads_hgd_mm_configs_of_the_imported_package():
    cfg = get_config('hgd_mm::hgd/hgd_retina_r50_retina_r18_1x_coco.py')
    assert cfg.model.distiller.type == 'HGDDistiller'
    # the files of the hgd_mm this process runs, not another installed copy
    assert config_module.get_installed_path('hgd_mm') == osp.dirname(
        hgd_mm.__file__)
    assert osp.samefile(
        osp.join(osp.dirname(hgd_mm.__file__), '.mim', 'configs'),
        osp.join(REPO, 'configs'))


def test_other_packages_resolve_as_upstream():
    import mmengine.utils.package_utils as package_utils
    assert config_module.get_installed_path('mmdet') == \
        package_utils.get_installed_path('mmdet')


CODE = """
    import tempfile, os
    {imports}
    from mmengine.config import Config
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, 'c.py')
    with open(path, 'w') as f:
        f.write("_base_ = ['hgd_mm::mini/retinanet_r18_fpn64_mini.py']")
    print(Config.fromfile(path).model.type)
"""


def test_without_import_hgd_mm_or_with_the_fix_off_mmengine_refuses():
    for imports, env in (('', {}), ('import hgd_mm', {
            'HGD_MM_COMPAT_DISABLE': 'hgd_mm_configs'})):
        result = run_python(CODE.format(imports=imports), env=env)
        assert result.returncode != 0
        assert 'mmengine does not support to load hgd_mm config' in \
            result.stderr
    result = run_python(CODE.format(imports='import hgd_mm'))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-1] == 'RetinaNet'
