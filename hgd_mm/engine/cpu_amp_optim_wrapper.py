"""Mixed precision on CPU: bf16 autocast for mmengine's training loop.

mmengine 0.10.7's ``AmpOptimWrapper`` refuses to run without a GPU/NPU/MLU.
On CPU, autocast supports bfloat16, which has fp32's exponent range and
needs no loss scaling, so this wrapper only adds the autocast context, and
within it lets mmcv's float32-only CPU ops take bf16 inputs
(:func:`hgd_mm.compat.mmcv_ops_accept_bf16`; nowhere else).
``tools/train.py --amp`` selects it when CUDA is not available.
"""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS
from torch import nn

from ..compat import mmcv_ops_accept_bf16


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under CPU bf16 autocast.

    Args:
        dtype: autocast dtype; only ``'bfloat16'`` is supported on CPU.
        **kwargs: as :class:`mmengine.optim.OptimWrapper`.
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
        if dtype not in ('bfloat16', torch.bfloat16):
            raise ValueError(
                f'CPUAmpOptimWrapper: dtype={dtype!r}; CPU autocast supports '
                f"only 'bfloat16'.")
        super().__init__(**kwargs)
        self.cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model: nn.Module):
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
