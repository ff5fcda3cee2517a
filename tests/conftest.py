import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Callable

# Tests import tests/helpers.py by name.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import hgd_mm  # noqa: E402,F401  (compat first, as every entry point does)

import pytest  # noqa: E402
from filelock import FileLock  # noqa: E402

from hgd_mm_dev.mini import MiniDatasetParams, make_mini_dataset  # noqa: E402


def shared_folder(tmp_path_factory, name: str,
                  make: Callable[[Path], None]) -> Path:
    """A folder made once per test run by ``make(folder)``.

    Under pytest-xdist (``make test`` runs two workers) each worker has a
    session of its own: the first to ask makes the folder under a file lock
    in the run's shared temporary root, the others wait and reuse it, so a
    session fixture's training runs once, not once a worker.
    """
    if 'PYTEST_XDIST_WORKER' not in os.environ:
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    folder = tmp_path_factory.getbasetemp().parent / name
    made = folder / '.made'
    with FileLock(str(folder) + '.lock'):
        if not made.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a make that failed
            folder.mkdir()
            make(folder)
            made.touch()
    return folder


@pytest.fixture(scope='session')
def mini_data(tmp_path_factory):
    """A tiny copy of the mini dataset and tiny pre-trained backbones;
    configs/mini/* read them through HGD_MINI_DATA and HGD_MINI_PRETRAINED
    (subprocesses inherit both)."""
    names = ('HGD_MINI_DATA', 'HGD_MINI_PRETRAINED')
    previous = {name: os.environ.get(name) for name in names}

    def point_at(folder: Path) -> None:
        os.environ['HGD_MINI_DATA'] = str(folder / 'mini_coco') + '/'
        os.environ['HGD_MINI_PRETRAINED'] = str(folder / 'pretrained') + '/'

    def make(folder: Path) -> None:
        point_at(folder)  # the pre-training reads the configs' paths
        make_mini_dataset(
            str(folder / 'mini_coco'),
            MiniDatasetParams(num_train=16, num_val=8, num_tune=8, seed=0))
        from hgd_mm_dev.mini.paths import STUDENT_CFG, TEACHER_CFG
        from hgd_mm_dev.mini.pretrain import (PretrainSettings,
                                              pretrain_configs)
        pretrain_configs([TEACHER_CFG, STUDENT_CFG],
                         settings=PretrainSettings(num_images=12,
                                                   num_val_images=4,
                                                   epochs=1, batch_size=8),
                         log=lambda _: None)

    folder = shared_folder(tmp_path_factory, 'mini', make)
    point_at(folder)
    yield os.environ['HGD_MINI_DATA']
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope='session')
def teacher_ckpt(mini_data, tmp_path_factory):
    """The mini teacher after one short epoch: a real mmengine checkpoint."""
    from helpers import MINI, train

    def make(work_dir: Path) -> None:
        train(os.path.join(MINI, 'retinanet_r18_fpn64_mini.py'), work_dir)

    ckpt = shared_folder(tmp_path_factory, 'teacher', make) / 'epoch_1.pth'
    assert ckpt.exists()
    return str(ckpt)


# Whole training runs through the tools, and the packaging test's install,
# take minutes where a unit test takes seconds.
LONG_FIRST = (os.path.join(HERE, 'tools') + os.sep,
              os.path.join(HERE, 'test_packaging.py'))


def pytest_collection_modifyitems(items):
    """The long test files first: pytest-xdist hands files out in this
    order, so the long ones start at once and the short ones fill in
    around them, instead of the longest starting last."""
    items.sort(key=lambda item: not str(item.fspath).startswith(LONG_FIRST))
