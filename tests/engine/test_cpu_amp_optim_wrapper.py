import math

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.optim import AmpOptimWrapper, build_optim_wrapper
from torch import nn

from hgd_mm.compat import mmcv_ops_bf16
from hgd_mm.engine import precision
from hgd_mm.engine.cpu_amp_optim_wrapper import CPUAmpOptimWrapper


def wrapper_for(model: nn.Module, **kwargs) -> CPUAmpOptimWrapper:
    return CPUAmpOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1), **kwargs)


#: CPU flags of three kinds: AMX (bf16 faster), bf16 instructions without
#: AMX (slower than fp32), none (emulated).
AMX = frozenset({'avx2', 'avx512f', 'avx512_bf16', 'amx_bf16', 'amx_tile'})
AVX512_BF16 = frozenset({'avx2', 'avx512f', 'avx512_bf16'})
AVX2 = frozenset({'avx2'})


@pytest.fixture
def cpu(monkeypatch):
    """What the capability probe sees: torch's answer (yes with any bf16
    flag) and the CPU flags."""

    def set_cpu(flags: frozenset):
        monkeypatch.setattr(precision, '_mkldnn_bf16_supported',
                            lambda: 'avx512_bf16' in flags)
        monkeypatch.setattr(precision, '_cpuinfo',
                            lambda: ('Test CPU', flags))

    monkeypatch.delenv(precision.PRECISION_ENV, raising=False)
    return set_cpu


@pytest.fixture
def log_file(tmp_path, request):
    """A fresh current MMLogger writing to a file; returns a reader."""
    path = tmp_path / 'run.log'
    MMLogger.get_instance(f'precision-{request.node.name}',
                          log_file=str(path))
    return lambda: [line for line in path.read_text().splitlines()
                    if 'Precision:' in line]


def test_forward_runs_in_bf16_and_gradients_reach_fp32_weights():
    model = nn.Linear(4, 3)
    wrapper = wrapper_for(model, precision='bf16')
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().pow(2).mean())
    assert model.weight.dtype == torch.float32
    assert model.weight.grad is None  # zeroed after the step


@pytest.mark.parametrize('flags, expected, reason', [
    (AMX, torch.bfloat16, 'Precision: bf16 autocast on CPU (auto: Test CPU '
     'has native bf16 (avx512_bf16, amx_bf16))'),
    (AVX512_BF16, torch.float32, 'Precision: fp32 on CPU (auto: Test CPU has '
     'native bf16 (avx512_bf16) but no AMX: bf16 autocast trains slower than '
     'fp32 on such a CPU'),
    (AVX2, torch.float32, 'Precision: fp32 on CPU (auto: Test CPU has no '
     'native bf16'),
])
def test_auto_autocasts_only_where_bf16_is_faster(cpu, log_file, flags,
                                                  expected, reason):
    cpu(flags)
    model = nn.Linear(4, 3)
    wrapper = build_optim_wrapper(model, dict(
        type='CPUAmpOptimWrapper', optimizer=dict(type='SGD', lr=0.1)))
    assert isinstance(wrapper, CPUAmpOptimWrapper)
    assert wrapper.precision == ('bf16' if expected == torch.bfloat16 else
                                 'fp32')
    with wrapper.optim_context(model):
        assert model(torch.randn(2, 4)).dtype == expected
    lines = log_file()
    assert len(lines) == 1  # logged once, when built
    assert reason in lines[0]
    if expected == torch.float32:
        assert 'HGD_MM_PRECISION=bf16 forces it' in lines[0]


def test_env_forces_fp32_on_a_bf16_machine(cpu, monkeypatch, log_file):
    cpu(AMX)
    monkeypatch.setenv('HGD_MM_PRECISION', 'fp32')
    model = nn.Linear(4, 3)
    wrapper = wrapper_for(model)
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype == torch.float32
    assert log_file()[0].endswith(
        'Precision: fp32 on CPU (forced by HGD_MM_PRECISION=fp32)')


def test_argument_forces_bf16_where_only_emulated(cpu, log_file):
    cpu(AVX2)
    model = nn.Linear(4, 3)
    wrapper = wrapper_for(model, precision='bf16')
    with wrapper.optim_context(model):
        assert model(torch.randn(2, 4)).dtype == torch.bfloat16
    assert 'forced by argument=bf16 (this CPU has no native bf16' in \
        log_file()[0]


def test_unknown_precision_is_an_error(cpu, monkeypatch):
    with pytest.raises(ValueError, match='not one of auto|bf16|fp32'):
        wrapper_for(nn.Linear(1, 1), precision='half')
    monkeypatch.setenv('HGD_MM_PRECISION', 'float16')
    with pytest.raises(ValueError, match='HGD_MM_PRECISION'):
        wrapper_for(nn.Linear(1, 1))


def test_mmcv_ops_patched_only_under_bf16(cpu):
    """The mmcv_ops_bf16 fix lives inside the autocast context only."""
    import importlib
    nms_module = importlib.import_module('mmcv.ops.nms')
    model = nn.Linear(4, 3)
    for chosen, patched in (('bf16', True), ('fp32', False)):
        wrapper = wrapper_for(model, precision=chosen)
        with wrapper.optim_context(model):
            assert getattr(nms_module.nms, mmcv_ops_bf16.BF16_MARK,
                           False) is patched
        assert not getattr(nms_module.nms, mmcv_ops_bf16.BF16_MARK, False)


def test_cuda_host_gets_mmengine_amp_optim_wrapper(cpu, monkeypatch,
                                                   log_file):
    """On CUDA the wrapper is mmengine's AmpOptimWrapper (fp16 by default);
    fp32 forced keeps this wrapper without autocast."""
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    model = nn.Linear(4, 3)
    wrapper = wrapper_for(model, clip_grad=dict(max_norm=1.0))
    assert type(wrapper) is AmpOptimWrapper
    assert wrapper.cast_dtype is None  # mmengine's default: float16
    assert wrapper.clip_grad_kwargs == dict(max_norm=1.0)
    assert wrapper_for(model, precision='bf16').cast_dtype == torch.bfloat16
    fp32 = wrapper_for(model, precision='fp32')
    assert type(fp32) is CPUAmpOptimWrapper and fp32.cast_dtype is None
    assert 'CUDA autocast (float16)' in log_file()[0]


def test_refuses_a_model_on_another_device():
    model = nn.Linear(4, 3).to('meta')  # stands in for a CUDA model
    wrapper = wrapper_for(nn.Linear(4, 3), precision='bf16')
    with pytest.raises(RuntimeError, match='AmpOptimWrapper'):
        with wrapper.optim_context(model):
            pass


def test_only_bf16_is_accepted():
    with pytest.raises(ValueError, match='bfloat16'):
        CPUAmpOptimWrapper(
            dtype='float16',
            optimizer=torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1))


@pytest.mark.parametrize('chosen', ['bf16', 'fp32'])
def test_two_stage_detector_trains_a_step(chosen):
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
    log_vars = model.train_step(batch, wrapper_for(model, precision=chosen))
    assert math.isfinite(float(log_vars['loss'].detach()))
    assert {'loss_rpn_cls', 'loss_cls', 'loss_bbox'} <= set(log_vars)
    assert not torch.equal(model.rpn_head.rpn_conv.weight, before)  # a step
