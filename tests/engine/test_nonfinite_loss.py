import glob
import os.path as osp
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import nn

from hgd_mm.engine.nonfinite_loss import (NonFiniteLossError,
                                          NonFiniteLossHook,
                                          use_nonfinite_loss_guard)
from helpers import MINI, REPO, SHORT


def guarded(max_nonfinite=0, accumulative_counts=1):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1),
                           accumulative_counts=accumulative_counts)
    runner = SimpleNamespace(optim_wrapper=wrapper, iter=6, epoch=1)
    hook = NonFiniteLossHook(max_nonfinite=max_nonfinite)
    hook.before_train(runner)
    return model, wrapper, hook


def test_finite_loss_updates_as_before():
    model, wrapper, _ = guarded()
    before = model.weight.detach().clone()
    wrapper.update_params(model(torch.ones(2, 3)).sum())
    assert not torch.equal(model.weight, before)


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_nonfinite_loss_stops_without_touching_the_weights(bad):
    model, wrapper, _ = guarded()
    before = model.weight.detach().clone()
    loss = model(torch.ones(2, 3)).sum() * bad
    with pytest.raises(NonFiniteLossError,
                       match=r'total loss is (nan|-?inf) at iteration 7 '
                       r'\(epoch 2\): training stopped before a checkpoint'):
        wrapper.update_params(loss)
    assert torch.equal(model.weight, before)
    assert model.weight.grad is None  # never back-propagated


def test_max_nonfinite_skips_that_many_then_stops():
    model, wrapper, hook = guarded(max_nonfinite=2)
    before = model.weight.detach().clone()
    for _ in range(2):
        wrapper.update_params(model(torch.ones(2, 3)).sum() * float('nan'))
    assert torch.equal(model.weight, before) and hook.skipped == 2
    wrapper.update_params(model(torch.ones(2, 3)).sum())  # trains on
    assert torch.isfinite(model.weight).all()
    assert not torch.equal(model.weight, before)
    with pytest.raises(NonFiniteLossError, match='max_nonfinite=2'):
        wrapper.update_params(model(torch.ones(2, 3)).sum() * float('nan'))


def test_a_skipped_iteration_restores_batchnorm_statistics():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    runner = SimpleNamespace(optim_wrapper=wrapper, iter=0, epoch=0,
                             model=model)
    hook = NonFiniteLossHook(max_nonfinite=1)
    hook.before_train(runner)
    hook.before_train_iter(runner, 0)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    inputs = torch.randn(5, 3)
    inputs[0, 0] = float('nan')
    loss = model(inputs).sum()
    assert not torch.isfinite(model[1].running_mean).all()  # the forward
    wrapper.update_params(loss)
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_every_wrapper_of_a_dict_is_guarded_once():
    model = nn.Linear(3, 1)
    wrappers = OptimWrapperDict(architecture=OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.1)))
    hook = NonFiniteLossHook()
    runner = SimpleNamespace(optim_wrapper=wrappers, iter=0, epoch=0)
    hook.before_train(runner)
    first = wrappers['architecture'].update_params
    hook.before_train(runner)  # a second call wraps nothing again
    assert wrappers['architecture'].update_params is first
    with pytest.raises(NonFiniteLossError):
        first(model(torch.ones(1, 3)).sum() * float('nan'))


def test_bad_max_nonfinite_is_an_error():
    with pytest.raises(ValueError, match='integer >= 0'):
        NonFiniteLossHook(max_nonfinite=-1)


def test_train_py_adds_the_guard_once():
    cfg = Config(dict(custom_hooks=[dict(type='EMAHook')]))
    assert use_nonfinite_loss_guard(cfg)
    assert [h['type'] for h in cfg.custom_hooks] == [
        'EMAHook', 'NonFiniteLossHook']
    assert not use_nonfinite_loss_guard(cfg)
    assert not use_nonfinite_loss_guard(Config.fromfile(
        osp.join(MINI, 'retinanet_r18-w16_fpn64_mini.py')))  # has it


def train_with_zero_std(work_dir, *options):
    return subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'),
         osp.join(MINI, 'retinanet_r18-w16_fpn64_mini.py'), '--work-dir',
         str(work_dir), '--cfg-options', *SHORT,
         'model.data_preprocessor.std=[0,0,0]', *options],
        cwd=REPO, capture_output=True, text=True, timeout=600)


def test_zero_std_stops_the_mini_run_before_any_checkpoint(
        mini_data, tmp_path):
    result = train_with_zero_std(tmp_path)
    assert result.returncode != 0
    assert 'NonFiniteLossError: The total loss is nan at iteration 1 ' \
        '(epoch 1): training stopped before a checkpoint' in result.stderr
    assert 'data_preprocessor mean/std' in result.stderr
    assert glob.glob(str(tmp_path / '*.pth')) == []


def test_skipped_iterations_leave_finite_weights_in_the_checkpoint(
        mini_data, tmp_path):
    """max_nonfinite above the epoch's 4 iterations: the run ends and saves;
    no NaN update ever reached the weights."""
    result = train_with_zero_std(
        tmp_path, 'custom_hooks.0.max_nonfinite=100',
        'train_cfg.val_interval=2')
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count('update skipped') + result.stderr.count(
        'update skipped') >= 4
    state = torch.load(tmp_path / 'epoch_1.pth', map_location='cpu',
                       weights_only=False)['state_dict']
    assert len(state) > 100
    assert all(torch.isfinite(t).all() for t in state.values()
               if t.is_floating_point())
