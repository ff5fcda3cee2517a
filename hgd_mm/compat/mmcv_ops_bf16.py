"""Fix ``mmcv_ops_bf16``: mmcv's float32-only CPU ops under bf16 autocast.

mmcv 2.1.0's CPU ``nms`` and ``RoIAlign`` kernels accept float32 only; under
CPU bf16 autocast (``CPUAmpOptimWrapper``) a two-stage detector hands them
bf16 tensors during training and fails ("expected scalar type Float but found
BFloat16", '"ROIAlign_forward" not implemented for 'BFloat16''). Inside
:func:`mmcv_ops_accept_bf16` bf16 tensor inputs of ``mmcv.ops.nms.nms`` and
``mmcv.ops.RoIAlign.forward`` are cast to float32 (what autocast does for its
own float32-only ops; RoIAlign's output goes back to bf16, since mmdet writes
it into a buffer of the features' dtype); other dtypes pass through.

Scope: only while ``CPUAmpOptimWrapper``'s autocast context is open; mmcv's
own functions are back in place when it exits (also on an exception).
"""
import importlib
from contextlib import contextmanager
from typing import Callable, Iterator

import torch

from .switches import enabled

__all__ = ['mmcv_ops_accept_bf16']

BF16_MARK = '_hgd_mm_bf16'


def bf16_to_float32(value):
    if isinstance(value, torch.Tensor) and value.dtype == torch.bfloat16:
        return value.float()
    return value


def float32_inputs(function: Callable, cast_back: bool = False) -> Callable:
    """``function`` with bf16 tensor arguments cast to float32; with
    ``cast_back``, a tensor result is returned in bf16 when an input was (the
    caller may write it into a bf16 buffer, as mmdet's RoI extractor does)."""

    def call_in_float32(*args, **kwargs):
        had_bf16 = any(
            isinstance(v, torch.Tensor) and v.dtype == torch.bfloat16
            for v in (*args, *kwargs.values()))
        out = function(*[bf16_to_float32(a) for a in args],
                       **{k: bf16_to_float32(v) for k, v in kwargs.items()})
        if cast_back and had_bf16 and isinstance(out, torch.Tensor):
            return out.to(torch.bfloat16)
        return out

    setattr(call_in_float32, BF16_MARK, True)
    return call_in_float32


@contextmanager
def mmcv_ops_accept_bf16() -> Iterator[None]:
    """Within this context, mmcv's float32-only CPU ops take bf16 inputs.

    Re-entrant: a nested context leaves the outer one's casting in place.
    Does nothing when ``HGD_MM_COMPAT_DISABLE`` names ``mmcv_ops_bf16``.
    """
    if not enabled('mmcv_ops_bf16'):
        yield
        return
    from mmcv.ops import RoIAlign

    # Not ``import mmcv.ops.nms``: mmcv.ops re-exports the function under
    # that name, which shadows the module as an attribute.
    nms_module = importlib.import_module('mmcv.ops.nms')
    if getattr(nms_module.nms, BF16_MARK, False):
        yield  # an outer context already casts
        return
    nms, roi_align_forward = nms_module.nms, RoIAlign.forward
    # batched_nms looks ``nms`` up in this module by name.
    nms_module.nms = float32_inputs(nms)
    RoIAlign.forward = float32_inputs(roi_align_forward, cast_back=True)
    try:
        yield
    finally:
        nms_module.nms = nms
        RoIAlign.forward = roi_align_forward
