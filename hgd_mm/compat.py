"""Compatibility fixes for the pinned OpenMMLab stack on torch >= 2.

Applied once, on ``import hgd_mm``; nothing installed is edited on disk. Each fix
is a small function with its own test in ``tests/test_compat.py``.

1. ``import mmrazor.models`` on torch >= 2 (mmrazor issues 615/632/652).
   mmrazor 1.0.0 builds its quantization backend configs at import time from
   torch internals that no longer exist (``torch.nn.quantized._reference``...),
   and that import sits on the path of *every* MMRazor component. We register
   a stand-in for ``mmrazor.structures.quantization.backend_config`` before
   mmrazor is imported. It exports the same names; using any of them raises a
   clear error. Quantization is the only feature lost; distillation is intact.
2. mmengine 0.10.7 checkpoints under torch >= 2.6, where ``torch.load`` defaults
   to ``weights_only=True`` and rejects the numpy scalars/arrays mmengine stores in
   ``meta`` and the ``HistoryBuffer`` objects in ``message_hub``. We allow-list
   exactly those types with ``torch.serialization.add_safe_globals``;
   ``weights_only`` stays on, so a checkpoint whose pickle names any other
   callable is still refused.
3. Distributed training on CPU-only machines (gloo). mmengine 0.10.7 calls
   ``torch.cuda.set_device`` in ``init_dist`` and passes
   ``device_ids=[LOCAL_RANK]`` to DDP, both of which fail without CUDA; and
   mmdet's runtime config asks for the ``nccl`` backend. When CUDA is not
   available we skip ``set_device``, use ``gloo``, and give DDP no device ids
   (what torch requires for CPU modules). On CUDA machines nothing changes.
4. mmcv 2.1.0's CPU ``nms`` and ``RoIAlign`` kernels accept float32 only;
   under CPU bf16 autocast (``CPUAmpOptimWrapper``) a two-stage detector hands
   them bf16 tensors during training and fails ("expected scalar type Float
   but found BFloat16", '"ROIAlign_forward" not implemented for
   'BFloat16''). We cast bf16 tensor inputs of ``mmcv.ops.nms.nms`` and
   ``mmcv.ops.RoIAlign.forward`` to float32 (what autocast does for its own
   float32-only ops; RoIAlign's output goes back to bf16, since mmdet writes
   it into a buffer of the features' dtype); other dtypes pass through.
"""
import os
import pickle
import sys
import types
from typing import Callable, List

import numpy as np
import torch

_BACKEND_CONFIG_MODULE = 'mmrazor.structures.quantization.backend_config'
_BACKEND_CONFIG_NAMES = (
    'get_native_backend_config', 'get_native_backend_config_dict',
    'get_academic_backend_config', 'get_academic_backend_config_dict',
    'get_openvino_backend_config', 'get_openvino_backend_config_dict',
    'get_tensorrt_backend_config', 'get_tensorrt_backend_config_dict')


class QuantizationUnavailableError(ImportError):
    """Raised when a mmrazor quantization backend config is used."""


def _unavailable(name: str):

    def raise_unavailable(*args, **kwargs):
        raise QuantizationUnavailableError(
            f'mmrazor quantization ({name}) is not available: mmrazor 1.0.0 '
            f'builds its backend configs from torch internals removed in '
            f'torch {torch.__version__}. hgd_mm replaced that module so that '
            f'the distillation components import; use torch 1.13 with '
            f'mmrazor for quantization.')

    raise_unavailable.__name__ = name
    return raise_unavailable


class _UnavailableBackendConfigs(dict):
    """``BackendConfigs`` mapping whose every lookup explains the situation."""

    def __missing__(self, key):
        _unavailable(f'BackendConfigs[{key!r}]')()


def patch_mmrazor_quantization_import() -> bool:
    """Let ``import mmrazor.models`` succeed on torch >= 2.

    Returns True if the stand-in module was installed, False when it is not
    needed (torch < 2) or mmrazor's structures are already imported.
    """
    if _BACKEND_CONFIG_MODULE in sys.modules:
        return False
    if 'mmrazor.structures' in sys.modules:
        # Too late to intervene without editing the installed package.
        return False
    if int(torch.__version__.split('.')[0]) < 2:
        return False
    stub = types.ModuleType(_BACKEND_CONFIG_MODULE)
    stub.__doc__ = ('Stand-in installed by hgd_mm.compat: the quantization '
                    'backend configs of mmrazor 1.0.0 need torch 1.13.')
    stub.BackendConfigs = _UnavailableBackendConfigs()
    for name in _BACKEND_CONFIG_NAMES:
        setattr(stub, name, _unavailable(name))
    stub.__all__ = ['BackendConfigs', *_BACKEND_CONFIG_NAMES]
    sys.modules[_BACKEND_CONFIG_MODULE] = stub
    return True


def history_buffer_method(owner: object, name: str) -> Callable:
    """Restricted ``getattr`` for unpickling ``HistoryBuffer`` state.

    Resolves ``HistoryBuffer.<statistics method>`` and refuses anything else,
    so allowing the pickle's ``builtins.getattr`` opens nothing more.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = {'min', 'max', 'current', 'mean'}
    allowed.update(HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and isinstance(name, str) and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'refused getattr({owner!r}, {name!r}) while loading a checkpoint '
        f'with weights_only=True: hgd_mm only allows HistoryBuffer statistics '
        f'methods. Load only checkpoints you trust.')


def numpy_empty_bytes(*args: object) -> bytes:
    """Restricted ``bytes`` for unpickling numpy content.

    Pickle protocol 2 (``torch.save``'s) writes an empty ``bytes``, e.g. the
    buffer of an empty array, as the call ``builtins.bytes()``, and every
    non-empty one through ``_codecs.encode`` (which torch already allows).
    Only that empty form is accepted: ``bytes(n)`` would let a checkpoint ask
    for ``n`` bytes of memory, and ``bytes(iterable)`` build arbitrary data.
    """
    if not args:
        return b''
    raise pickle.UnpicklingError(
        f'refused bytes{args!r} while loading a checkpoint with '
        f'weights_only=True: hgd_mm only allows bytes() (the empty buffer '
        f'numpy pickles for an empty array). Load only checkpoints you trust.')


def mmengine_checkpoint_safe_globals() -> List[object]:
    """The non-tensor types mmengine 0.10.7 writes into a checkpoint.

    - ``meta``: numpy scalars (e.g. ``np.float64`` learning rates, seeds drawn
      with numpy) and small arrays, pickled through numpy's reconstruct
      functions and dtype classes;
    - ``message_hub``: ``HistoryBuffer``; its state is numpy arrays plus its
      statistics methods, pickled as ``getattr(HistoryBuffer, 'mean')``. For
      that one use, ``builtins.getattr`` is mapped to
      :func:`history_buffer_method`, which returns only those methods;
    - empty arrays (an empty ``HistoryBuffer`` too) pickle their buffer as
      ``builtins.bytes()``, mapped to :func:`numpy_empty_bytes`.
    Everything else mmengine writes (dicts, lists, tuples, OrderedDict, tensors,
    optimizer and scheduler state) is already allowed by torch.
    """
    from mmengine.logging.history_buffer import HistoryBuffer

    multiarray = getattr(np, '_core', None) or np.core
    safe = [
        HistoryBuffer,
        multiarray.multiarray.scalar,
        multiarray.multiarray._reconstruct,
        np.ndarray,
        np.dtype,
        (history_buffer_method, 'builtins.getattr'),
        (numpy_empty_bytes, 'builtins.bytes'),
    ]
    if multiarray.__name__ != 'numpy.core':
        # numpy >= 2 moved these to numpy._core; checkpoints written with
        # numpy 1.x still name numpy.core.
        legacy = 'numpy.core.multiarray'
        safe += [(multiarray.multiarray.scalar, f'{legacy}.scalar'),
                 (multiarray.multiarray._reconstruct,
                  f'{legacy}._reconstruct')]
    # numpy >= 1.25 pickles a dtype through its class (np.dtypes.Float64DType).
    dtype_classes = [
        type(np.dtype(code))
        for code in ('b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'e',
                     'f', 'd', 'g', 'F', 'D', 'G', '?', 'U', 'S', 'O', 'V',
                     'M', 'm')
    ]
    safe.extend(cls for cls in dtype_classes if cls is not np.dtype)
    return safe


def allow_mmengine_checkpoints() -> bool:
    """Allow-list mmengine's checkpoint types for ``weights_only`` loading."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # torch < 2.4 loads without weights_only
        return False
    add_safe_globals(mmengine_checkpoint_safe_globals())
    return True


def patch_cpu_distributed() -> bool:
    """Let mmengine's ``init_dist`` and DDP wrapper run on CPU with gloo.

    Returns True if patched now, False if already patched.
    """
    import mmengine.dist.utils as dist_utils
    from mmengine.model.wrappers import MMDistributedDataParallel

    if getattr(dist_utils._init_dist_pytorch, '_hgd_mm_cpu', False):
        return False
    init_dist_pytorch = dist_utils._init_dist_pytorch

    def init_dist_pytorch_cpu(backend: str, *args, **kwargs) -> None:
        if torch.cuda.is_available():
            return init_dist_pytorch(backend, *args, **kwargs)
        if backend != 'gloo':
            print(f'hgd_mm: CUDA is not available; using the gloo backend '
                  f'instead of {backend!r}.')
        torch.distributed.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **{k: v for k, v in kwargs.items() if k != 'init_backend'})

    init_dist_pytorch_cpu._hgd_mm_cpu = True
    dist_utils._init_dist_pytorch = init_dist_pytorch_cpu

    ddp_init = MMDistributedDataParallel.__init__

    def ddp_init_cpu(self, module, detect_anomalous_params=False, **kwargs):
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        if on_cpu and not torch.cuda.is_available():
            # torch: "device_ids ... must be None for CPU modules".
            kwargs['device_ids'] = None
            kwargs.pop('output_device', None)
        ddp_init(self, module, detect_anomalous_params, **kwargs)

    MMDistributedDataParallel.__init__ = ddp_init_cpu
    return True


def _bf16_to_float32(value):
    if isinstance(value, torch.Tensor) and value.dtype == torch.bfloat16:
        return value.float()
    return value


def _float32_inputs(function: Callable, cast_back: bool = False) -> Callable:
    """``function`` with bf16 tensor arguments cast to float32; with
    ``cast_back``, a tensor result is returned in bf16 when an input was (the
    caller may write it into a bf16 buffer, as mmdet's RoI extractor does)."""

    def call_in_float32(*args, **kwargs):
        had_bf16 = any(
            isinstance(v, torch.Tensor) and v.dtype == torch.bfloat16
            for v in (*args, *kwargs.values()))
        out = function(*[_bf16_to_float32(a) for a in args],
                       **{k: _bf16_to_float32(v) for k, v in kwargs.items()})
        if cast_back and had_bf16 and isinstance(out, torch.Tensor):
            return out.to(torch.bfloat16)
        return out

    call_in_float32._hgd_mm_bf16 = True
    return call_in_float32


def patch_mmcv_ops_bf16() -> bool:
    """Cast bf16 inputs of mmcv's float32-only CPU ops to float32 (fix 4).

    Returns True if patched now, False if already patched.
    """
    import importlib

    from mmcv.ops import RoIAlign

    # Not ``import mmcv.ops.nms``: mmcv.ops re-exports the function under
    # that name, which shadows the module as an attribute.
    nms_module = importlib.import_module('mmcv.ops.nms')
    if getattr(nms_module.nms, '_hgd_mm_bf16', False):
        return False
    # batched_nms looks ``nms`` up in this module by name.
    nms_module.nms = _float32_inputs(nms_module.nms)
    RoIAlign.forward = _float32_inputs(RoIAlign.forward, cast_back=True)
    return True


def apply() -> None:
    """Apply every fix; safe to call more than once."""
    patch_mmrazor_quantization_import()
    allow_mmengine_checkpoints()
    patch_cpu_distributed()
    patch_mmcv_ops_bf16()
