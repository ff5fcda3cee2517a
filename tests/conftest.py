import os
import sys
import warnings

# Tests import tests/helpers.py and tools/ scripts by name.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'tools'))

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import hgd_mm  # noqa: E402,F401  (compat first, as every entry point does)

import importlib.util  # noqa: E402

import pytest  # noqa: E402

REPO = os.path.dirname(HERE)


def load_tool(relative_path: str):
    """Import a script under tools/ (not a package) by path."""
    path = os.path.join(REPO, 'tools', relative_path)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def mini_data(tmp_path_factory):
    """A tiny copy of the mini dataset; configs/mini/* read it through
    HGD_MINI_DATA (subprocesses inherit it)."""
    maker = load_tool('misc/make_mini_dataset.py')
    root = tmp_path_factory.mktemp('mini_coco')
    maker.make_mini_dataset(str(root), num_train=16, num_val=8, seed=0)
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
