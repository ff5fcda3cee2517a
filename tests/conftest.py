import os
import sys
import warnings

# Tests import tests/helpers.py by name.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import hgd_mm  # noqa: E402,F401  (compat first, as every entry point does)

import pytest  # noqa: E402

from hgd_mm_dev.mini import MiniDatasetParams, make_mini_dataset  # noqa: E402


@pytest.fixture(scope='session')
def mini_data(tmp_path_factory):
    """A tiny copy of the mini dataset and tiny pre-trained backbones;
    configs/mini/* read them through HGD_MINI_DATA and HGD_MINI_PRETRAINED
    (subprocesses inherit both)."""
    root = tmp_path_factory.mktemp('mini_coco')
    make_mini_dataset(
        str(root),
        MiniDatasetParams(num_train=16, num_val=8, num_tune=8, seed=0))
    backbones = tmp_path_factory.mktemp('mini_pretrained')
    names = ('HGD_MINI_DATA', 'HGD_MINI_PRETRAINED')
    previous = {name: os.environ.get(name) for name in names}
    os.environ['HGD_MINI_DATA'] = str(root) + '/'
    os.environ['HGD_MINI_PRETRAINED'] = str(backbones) + '/'
    from hgd_mm_dev.mini.paths import STUDENT_CFG, TEACHER_CFG
    from hgd_mm_dev.mini.pretrain import PretrainSettings, pretrain_configs
    pretrain_configs([TEACHER_CFG, STUDENT_CFG], settings=PretrainSettings(
        num_images=12, num_val_images=4, epochs=1, batch_size=8),
                     log=lambda _: None)
    yield str(root) + '/'
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope='session')
def teacher_ckpt(mini_data, tmp_path_factory):
    """The mini teacher after one short epoch: a real mmengine checkpoint."""
    from helpers import MINI, train
    work_dir = tmp_path_factory.mktemp('teacher')
    train(os.path.join(MINI, 'retinanet_r18_fpn64_mini.py'), work_dir)
    ckpt = work_dir / 'epoch_1.pth'
    assert ckpt.exists()
    return str(ckpt)
