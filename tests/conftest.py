import os
import sys
import warnings

# Tests import tests/helpers.py by name.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import hgd_mm  # noqa: E402,F401  (compat first, as every entry point does)

import pytest  # noqa: E402

from hgd_mm.mini import MiniDatasetParams, make_mini_dataset  # noqa: E402


@pytest.fixture(scope='session')
def mini_data(tmp_path_factory):
    """A tiny copy of the mini dataset; configs/mini/* read it through
    HGD_MINI_DATA (subprocesses inherit it)."""
    root = tmp_path_factory.mktemp('mini_coco')
    make_mini_dataset(str(root),
                      MiniDatasetParams(num_train=16, num_val=8, seed=0))
    previous = os.environ.get('HGD_MINI_DATA')
    os.environ['HGD_MINI_DATA'] = str(root) + '/'
    yield str(root) + '/'
    if previous is None:
        os.environ.pop('HGD_MINI_DATA', None)
    else:
        os.environ['HGD_MINI_DATA'] = previous


@pytest.fixture(scope='session')
def teacher_ckpt(mini_data, tmp_path_factory):
    """The mini teacher after one short epoch: a real mmengine checkpoint."""
    from helpers import MINI, train
    work_dir = tmp_path_factory.mktemp('teacher')
    train(os.path.join(MINI, 'retinanet_r18_fpn64_mini.py'), work_dir)
    ckpt = work_dir / 'epoch_1.pth'
    assert ckpt.exists()
    return str(ckpt)
