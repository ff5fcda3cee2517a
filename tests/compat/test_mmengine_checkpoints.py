"""Fix mmengine_checkpoints: mmengine checkpoints load with weights_only on,
and nothing but mmengine's own types is allowed."""
import os
import pickle

import numpy as np
import pytest
import torch

from helpers import run_python
from hgd_mm import compat


def write_mmengine_like_checkpoint(path):
    """What mmengine's Runner.save_checkpoint writes, numpy objects
    included."""
    from mmengine.logging import MessageHub
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 2)).sum().backward()
    optimizer.step()
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
    hub = MessageHub.get_instance('compat_test')
    hub.update_scalar('train/loss', np.float32(0.5))
    hub.update_scalar('train/lr', 0.1)
    hub.update_info('iter', 3)
    checkpoint = dict(
        meta=dict(seed=np.int64(7), lr=np.float64(0.02), epoch=1,
                  hist=np.arange(4, dtype=np.int32),
                  dataset_meta=dict(classes=('a', 'b'))),
        state_dict=model.state_dict(),
        message_hub=hub.state_dict(),
        optimizer=optimizer.state_dict(),
        param_schedulers=[scheduler.state_dict()])
    torch.save(checkpoint, path)


def test_mmengine_checkpoint_loads_with_weights_only_on(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    path = str(tmp_path / 'ckpt.pth')
    write_mmengine_like_checkpoint(path)
    checkpoint = _load_checkpoint(path, map_location='cpu')
    assert checkpoint['meta']['seed'] == 7
    assert checkpoint['meta']['hist'].tolist() == [0, 1, 2, 3]
    buffer = checkpoint['message_hub']['log_scalars']['train/loss']
    assert buffer.current() == pytest.approx(0.5)
    # weights_only is really on: the explicit call behaves the same.
    torch.load(path, weights_only=True)


def test_mmengine_checkpoint_is_refused_without_the_fix(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    write_mmengine_like_checkpoint(path)
    result = run_python(f"""
        import torch
        try:
            torch.load({path!r}, weights_only=True)
        except Exception as e:
            print('refused', type(e).__name__)
        else:
            print('loaded')
    """)
    assert result.stdout.strip().startswith('refused'), result.stderr


class RunsCode:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_code_executing_pickle_is_still_refused(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    marker = tmp_path / 'was_run'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': RunsCode(marker)}, str(path))
    with pytest.raises(pickle.UnpicklingError):
        _load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()


def test_allow_list_names_only_mmengine_and_numpy_types():
    added = compat.mmengine_checkpoint_safe_globals()
    names = [name if isinstance(obj_name, tuple) else
             f'{obj_name.__module__}.{obj_name.__qualname__}'
             for obj_name in added
             for name in ([obj_name[1]] if isinstance(obj_name, tuple) else
                          [None])]
    assert all(n.startswith(('numpy', 'mmengine', 'builtins.getattr',
                             'builtins.bytes'))
               for n in names), names
    assert os.system not in torch.serialization.get_safe_globals()


def test_getattr_stand_in_resolves_only_history_buffer_methods():
    from mmengine.logging import HistoryBuffer
    assert compat.history_buffer_method(HistoryBuffer, 'mean') is \
        HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError, match='refused'):
        compat.history_buffer_method(os, 'system')
    with pytest.raises(pickle.UnpicklingError, match='refused'):
        compat.history_buffer_method(HistoryBuffer, '__init__')


class ReachesThroughGetattr:
    """A pickle that uses getattr to reach os.system through an allowed
    type."""

    def __reduce__(self):
        return (getattr, (np.ndarray, 'tofile'))


def test_getattr_in_a_pickle_reaches_nothing_else(tmp_path):
    path = tmp_path / 'getattr.pth'
    torch.save({'meta': ReachesThroughGetattr()}, str(path))
    with pytest.raises(pickle.UnpicklingError, match='refused'):
        torch.load(str(path), weights_only=True)
