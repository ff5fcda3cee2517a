"""The names of hgd_mm's compatibility fixes and their off switch.

``HGD_MM_COMPAT_DISABLE`` is a comma-separated list of fix names, e.g.
``HGD_MM_COMPAT_DISABLE=cpu_distributed,mmcv_ops_bf16``. A disabled fix is
never installed: the upstream function stays in place. The variable is read
when a fix would be installed: at ``import hgd_mm`` for the import-time fixes,
each time ``CPUAmpOptimWrapper`` enters autocast for ``mmcv_ops_bf16``.
"""
import os
from typing import Dict, FrozenSet

DISABLE_ENV = 'HGD_MM_COMPAT_DISABLE'

# name -> where it applies; the README's compatibility table lists the same
# names (tests/compat/test_switches.py checks it).
FIXES: Dict[str, str] = {
    'mmrazor_quantization_import':
    'import time, torch >= 2, before mmrazor is first imported',
    'mmengine_checkpoints':
    'import time, torch >= 2.4 (torch.load with weights_only)',
    'cpu_distributed':
    'import time, only when CUDA is not available',
    'mmcv_ops_bf16':
    "inside CPUAmpOptimWrapper's autocast context only",
    'hgd_mm_configs':
    "import time; mmengine's package table and get_installed_path, for the "
    "package 'hgd_mm' only",
    'local_cfg_path':
    "import time; mmengine.hub.get_model, for a cfg_path without '::' only",
    'strict_teacher_ckpt':
    'building a SingleTeacherDistill (or subclass) whose distiller is '
    'HGDDistiller, or that sets strict_teacher_ckpt=True',
}

__all__ = ['DISABLE_ENV', 'FIXES', 'disabled_fixes', 'enabled']


def disabled_fixes() -> FrozenSet[str]:
    """The fixes ``HGD_MM_COMPAT_DISABLE`` names; unknown names are an error
    (a typo would otherwise leave the fix silently on)."""
    names = {
        name.strip()
        for name in os.environ.get(DISABLE_ENV, '').split(',')
        if name.strip()
    }
    unknown = sorted(names - set(FIXES))
    if unknown:
        raise ValueError(
            f'{DISABLE_ENV}={os.environ[DISABLE_ENV]!r} names unknown '
            f'hgd_mm compatibility fixes {unknown}. Use a comma-separated '
            f'list of {sorted(FIXES)}.')
    return frozenset(names)


def enabled(name: str) -> bool:
    """Whether the fix ``name`` may be installed."""
    if name not in FIXES:
        raise KeyError(f'no hgd_mm compatibility fix named {name!r}; the '
                       f'fixes are {sorted(FIXES)}.')
    return name not in disabled_fixes()
