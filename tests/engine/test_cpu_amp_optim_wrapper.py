import pytest
import torch
from torch import nn

from hgd_mm.engine.cpu_amp_optim_wrapper import CPUAmpOptimWrapper


def wrapper_for(model: nn.Module) -> CPUAmpOptimWrapper:
    return CPUAmpOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1))


def test_forward_runs_in_bf16_and_gradients_reach_fp32_weights():
    model = nn.Linear(4, 3)
    wrapper = wrapper_for(model)
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().pow(2).mean())
    assert model.weight.dtype == torch.float32
    assert model.weight.grad is None  # zeroed after the step


def test_refuses_a_model_on_another_device():
    model = nn.Linear(4, 3).to('meta')  # stands in for a CUDA model
    wrapper = wrapper_for(nn.Linear(4, 3))
    with pytest.raises(RuntimeError, match='AmpOptimWrapper'):
        with wrapper.optim_context(model):
            pass


def test_only_bf16_is_accepted():
    with pytest.raises(ValueError, match='bfloat16'):
        CPUAmpOptimWrapper(
            dtype='float16',
            optimizer=torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1))
