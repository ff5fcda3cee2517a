"""Fix ``mmrazor_quantization_import``: ``import mmrazor.models``, torch >= 2.

mmrazor 1.0.0 builds its quantization backend configs at import time from
torch internals that no longer exist (``torch.nn.quantized._reference``...;
mmrazor issues 615/632/652), and that import sits on the path of *every*
MMRazor component. We register a stand-in for
``mmrazor.structures.quantization.backend_config`` before mmrazor is imported.
It exports the same names; using any of them raises a clear error.
Quantization is the only feature lost; distillation is intact.

Scope: needed at import, so installed at ``import hgd_mm``; it only adds a
module to ``sys.modules`` and changes no existing function.
"""
import sys
import types

import torch

__all__ = ['QuantizationUnavailableError', 'patch_mmrazor_quantization_import']

BACKEND_CONFIG_MODULE = 'mmrazor.structures.quantization.backend_config'
BACKEND_CONFIG_NAMES = (
    'get_native_backend_config', 'get_native_backend_config_dict',
    'get_academic_backend_config', 'get_academic_backend_config_dict',
    'get_openvino_backend_config', 'get_openvino_backend_config_dict',
    'get_tensorrt_backend_config', 'get_tensorrt_backend_config_dict')


class QuantizationUnavailableError(ImportError):
    """Raised when a mmrazor quantization backend config is used."""


def unavailable(name: str):
    """A function that raises :class:`QuantizationUnavailableError`."""

    def raise_unavailable(*args, **kwargs):
        raise QuantizationUnavailableError(
            f'mmrazor quantization ({name}) is not available: mmrazor 1.0.0 '
            f'builds its backend configs from torch internals removed in '
            f'torch {torch.__version__}. hgd_mm replaced that module so that '
            f'the distillation components import; use torch 1.13 with '
            f'mmrazor for quantization.')

    raise_unavailable.__name__ = name
    return raise_unavailable


class UnavailableBackendConfigs(dict):
    """``BackendConfigs`` mapping whose every lookup explains the situation."""

    def __missing__(self, key):
        unavailable(f'BackendConfigs[{key!r}]')()


def patch_mmrazor_quantization_import() -> bool:
    """Let ``import mmrazor.models`` succeed on torch >= 2.

    Returns True if the stand-in module was installed, False when it is not
    needed (torch < 2) or mmrazor's structures are already imported.
    """
    if BACKEND_CONFIG_MODULE in sys.modules:
        return False
    if 'mmrazor.structures' in sys.modules:
        # Too late to intervene without editing the installed package.
        return False
    if int(torch.__version__.split('.')[0]) < 2:
        return False
    stub = types.ModuleType(BACKEND_CONFIG_MODULE)
    stub.__doc__ = ('Stand-in installed by hgd_mm.compat: the quantization '
                    'backend configs of mmrazor 1.0.0 need torch 1.13.')
    stub.BackendConfigs = UnavailableBackendConfigs()
    for name in BACKEND_CONFIG_NAMES:
        setattr(stub, name, unavailable(name))
    stub.__all__ = ['BackendConfigs', *BACKEND_CONFIG_NAMES]
    sys.modules[BACKEND_CONFIG_MODULE] = stub
    return True
