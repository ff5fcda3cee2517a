"""Fix mmcv_ops_bf16: mmcv's nms/RoIAlign take bf16 inside
CPUAmpOptimWrapper's autocast context, and are mmcv's own everywhere else."""
import importlib

import pytest
import torch
from mmcv.ops import RoIAlign, batched_nms
from torch import nn

from hgd_mm.compat import mmcv_ops_accept_bf16
from hgd_mm.engine import CPUAmpOptimWrapper

NMS_MODULE = importlib.import_module('mmcv.ops.nms')
ROI_ALIGN_MODULE = importlib.import_module('mmcv.ops.roi_align')


def run_nms(dtype: torch.dtype) -> torch.Tensor:
    # The second box overlaps the first (IoU 0.81) and is suppressed.
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.],
                          [20., 20., 30., 30.]]).to(dtype)
    scores = torch.tensor([0.9, 0.8, 0.7]).to(dtype)
    _, keep = batched_nms(boxes, scores, torch.zeros(3, dtype=torch.long),
                          dict(type='nms', iou_threshold=0.5))
    return keep


def run_roi_align(dtype: torch.dtype) -> torch.Tensor:
    # Values exactly representable in bf16: the same result as in float32.
    feature = torch.arange(16.).reshape(1, 1, 4, 4).to(dtype)
    rois = torch.tensor([[0., 0., 0., 2., 2.]]).to(dtype)
    align = RoIAlign((1, 1), spatial_scale=1.0, sampling_ratio=1,
                     aligned=False)
    return align(feature, rois)


OPS = {'nms': run_nms, 'roi_align': run_roi_align}


def wrapper_context(precision: str = 'bf16'):
    # bf16 forced by default: with 'auto', a CPU where bf16 is not the
    # faster trains in fp32, where nothing is patched
    # (test_fp32_wrapper_leaves_mmcv_alone).
    model = nn.Linear(1, 1)
    wrapper = CPUAmpOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        precision=precision)
    return wrapper.optim_context(model)


def assert_upstream_ops():
    """mmcv's own functions are in place (the module-level ``nms`` that
    ``batched_nms`` calls, and ``RoIAlign.forward``)."""
    nms, forward = NMS_MODULE.nms, RoIAlign.forward
    assert (nms.__module__, nms.__qualname__) == ('mmcv.ops.nms', 'nms')
    assert forward.__code__.co_filename == ROI_ALIGN_MODULE.__file__
    assert forward.__qualname__ == 'RoIAlign.forward'


@pytest.mark.parametrize('op', sorted(OPS))
def test_outside_the_wrapper_mmcv_refuses_bf16_as_upstream(op):
    assert_upstream_ops()
    with pytest.raises(RuntimeError, match='BFloat16'):
        OPS[op](torch.bfloat16)


@pytest.mark.parametrize('op', sorted(OPS))
def test_inside_the_wrapper_bf16_gives_the_float32_result(op):
    expected = OPS[op](torch.float32)
    with wrapper_context():
        got = OPS[op](torch.bfloat16)
    if op == 'roi_align':
        # mmdet writes RoIAlign's output into a buffer of the features' dtype.
        assert got.dtype == torch.bfloat16
        assert torch.equal(got, expected.bfloat16())
    else:
        assert got.tolist() == expected.tolist() == [0, 2]
    assert_upstream_ops()  # and gone again on exit
    with pytest.raises(RuntimeError, match='BFloat16'):
        OPS[op](torch.bfloat16)


def test_mmcv_ops_are_restored_when_the_step_raises():
    with pytest.raises(ZeroDivisionError):
        with wrapper_context():
            1 / 0
    assert_upstream_ops()


def test_nested_contexts_cast_until_the_outer_one_exits():
    with mmcv_ops_accept_bf16():
        with wrapper_context():
            pass
        assert run_nms(torch.bfloat16).tolist() == [0, 2]
    assert_upstream_ops()


def test_fp32_wrapper_leaves_mmcv_alone():
    with wrapper_context('fp32'):
        assert_upstream_ops()


def test_switched_off_the_wrapper_leaves_mmcv_alone(monkeypatch):
    monkeypatch.setenv('HGD_MM_COMPAT_DISABLE', 'mmcv_ops_bf16')
    with wrapper_context():
        assert_upstream_ops()
        with pytest.raises(RuntimeError, match='BFloat16'):
            run_nms(torch.bfloat16)
