"""Mixed precision where it pays: bf16 autocast on a CPU where it trains
faster than fp32 (native bf16 with AMX), fp32 on other CPUs, mmengine's
``AmpOptimWrapper`` on CUDA.

mmengine 0.10.7's ``AmpOptimWrapper`` refuses to run without a GPU/NPU/MLU.
On CPU, autocast supports bfloat16, which has fp32's exponent range and
needs no loss scaling, so this wrapper only adds the autocast context, and
within it lets mmcv's float32-only CPU ops take bf16 inputs
(:func:`hgd_mm.compat.mmcv_ops_accept_bf16`; nowhere else). Where the CPU
only emulates bf16 (AVX2-only CPUs: a step many times slower than in fp32),
or has bf16 instructions but no AMX (a step slower than in fp32), it trains
in fp32 with nothing patched (:mod:`hgd_mm.engine.precision`).
The decision is made when the wrapper is built and logged in one line;
``precision=`` or ``HGD_MM_PRECISION`` forces it.
``tools/train.py --amp`` selects this wrapper when CUDA is not available.
"""
from contextlib import contextmanager
from typing import Optional

import torch
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS
from torch import nn

from ..compat import mmcv_ops_accept_bf16
from .precision import PRECISION_ENV, decide_precision, requested_precision


def _check_dtype(dtype) -> None:
    if dtype not in ('bfloat16', torch.bfloat16):
        raise ValueError(
            f'CPUAmpOptimWrapper: dtype={dtype!r}; CPU autocast supports '
            f"only 'bfloat16'.")


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under CPU bf16 autocast where
    that is faster than fp32 (:func:`hgd_mm.engine.precision.bf16_faster`),
    in fp32 elsewhere.

    On a CUDA host, building it gives mmengine's ``AmpOptimWrapper``
    (``precision='auto'``: its default fp16 with dynamic loss scaling;
    ``'bf16'``: bf16), or, with ``'fp32'``, this wrapper without autocast.

    Args:
        precision: ``'auto'`` (bf16 only where faster,
            :func:`hgd_mm.engine.precision.decide_precision`), ``'bf16'`` or
            ``'fp32'``; None (default) reads ``HGD_MM_PRECISION``
            (unset: ``'auto'``).
        dtype: autocast dtype; only ``'bfloat16'`` is supported on CPU.
        **kwargs: as :class:`mmengine.optim.OptimWrapper`.

    Attributes:
        precision (str): ``'bf16'`` or ``'fp32'``, what it trains in.
    """

    def __new__(cls, *args, precision: Optional[str] = None,
                dtype: str = 'bfloat16', **kwargs):
        _check_dtype(dtype)
        value = requested_precision(precision)
        if torch.cuda.is_available() and value != 'fp32':
            source = 'argument' if precision is not None else PRECISION_ENV
            cuda_dtype = 'bfloat16' if value == 'bf16' else None
            print_log(
                f'Precision: CUDA autocast ({cuda_dtype or "float16"}) with '
                f"mmengine's AmpOptimWrapper ({source}={value}, CUDA "
                f'available)', logger='current')
            kwargs.setdefault('loss_scale', 'dynamic')
            return AmpOptimWrapper(*args, dtype=cuda_dtype, **kwargs)
        return super().__new__(cls)

    def __init__(self, precision: Optional[str] = None,
                 dtype: str = 'bfloat16', **kwargs) -> None:
        _check_dtype(dtype)
        super().__init__(**kwargs)
        self.precision, reason = decide_precision(precision)
        self.cast_dtype = torch.bfloat16 if self.precision == 'bf16' else None
        print_log(
            f'Precision: {"bf16 autocast" if self.cast_dtype else "fp32"} '
            f'on CPU ({reason})', logger='current')

    @contextmanager
    def optim_context(self, model: nn.Module):
        if self.cast_dtype is None:  # fp32: no autocast, nothing patched
            with super().optim_context(model):
                yield
            return
        check_on_cpu(model)
        with super().optim_context(model), torch.autocast(
                device_type='cpu',
                dtype=self.cast_dtype), mmcv_ops_accept_bf16():
            yield


def check_on_cpu(model: nn.Module) -> None:
    """CPU autocast leaves CUDA ops in fp32: a GPU run with this wrapper
    would silently train without mixed precision."""
    devices = {p.device.type for p in model.parameters()}
    if devices - {'cpu'}:
        raise RuntimeError(
            f'CPUAmpOptimWrapper autocasts CPU operations only, but the model '
            f'is on {sorted(devices)}. On a GPU set '
            f'optim_wrapper.type="AmpOptimWrapper" (mmengine) instead; the '
            f'embedded mini configs use CPUAmpOptimWrapper because they are '
            f'made for CPU.')
