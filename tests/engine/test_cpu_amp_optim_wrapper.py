import math

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


def test_two_stage_detector_trains_a_step_in_bf16():
    """Faster R-CNN's RPN nms and RoIAlign get bf16 inputs under autocast;
    mmcv's CPU kernels take float32 only (hgd_mm.compat.mmcv_ops_bf16)."""
    from mmdet.testing import demo_mm_inputs

    from helpers import build, tiny_faster_rcnn
    torch.manual_seed(0)
    model = build(tiny_faster_rcnn())
    model.init_weights()
    batch = demo_mm_inputs(2, image_shapes=[(3, 64, 64)] * 2, num_classes=3,
                           with_mask=False)
    before = model.rpn_head.rpn_conv.weight.detach().clone()
    log_vars = model.train_step(batch, wrapper_for(model))
    assert math.isfinite(float(log_vars['loss'].detach()))
    assert {'loss_rpn_cls', 'loss_cls', 'loss_bbox'} <= set(log_vars)
    assert not torch.equal(model.rpn_head.rpn_conv.weight, before)  # a step
