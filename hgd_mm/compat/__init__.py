"""Compatibility fixes for the pinned OpenMMLab stack on torch >= 2.

Nothing installed is edited on disk. Each fix lives in its own module, applies
only where it is needed, and can be switched off with
``HGD_MM_COMPAT_DISABLE=name[,name...]`` (:mod:`.switches`):

- ``mmrazor_quantization_import`` (:mod:`.mmrazor_quantization`): at import,
  a stand-in module lets ``import mmrazor.models`` succeed on torch >= 2.
- ``mmengine_checkpoints`` (:mod:`.mmengine_checkpoints`): at import,
  mmengine's checkpoint types join torch's ``weights_only`` allow-list.
- ``cpu_distributed`` (:mod:`.cpu_distributed`): at import and only without
  CUDA, mmengine's ``init_dist`` and DDP wrapper run on CPU with gloo.
- ``mmcv_ops_bf16`` (:mod:`.mmcv_ops_bf16`): only inside
  ``CPUAmpOptimWrapper``'s autocast, mmcv's ``nms``/``RoIAlign`` take bf16.
- ``hgd_mm_configs`` (:mod:`.hgd_mm_configs`): at import, ``hgd_mm::``
  config names resolve in mmengine's Config and hub.
- ``local_cfg_path`` (:mod:`.local_cfg_path`): at import, a local
  ``cfg_path`` fails with hgd-mm's error naming the pattern that works.
- ``strict_teacher_ckpt`` (:mod:`hgd_mm.engine.teacher_checkpoint`): HGD
  algorithms load their teacher strictly; ``strict_teacher_ckpt=False`` in
  the algorithm config turns it off.

:func:`apply` installs the import-time fixes; ``import hgd_mm`` calls it.
"""
from .cpu_distributed import patch_cpu_distributed
from .hgd_mm_configs import allow_hgd_mm_configs
from .local_cfg_path import refuse_local_cfg_paths
from .mmcv_ops_bf16 import mmcv_ops_accept_bf16
from .mmengine_checkpoints import (allow_mmengine_checkpoints,
                                   history_buffer_method,
                                   mmengine_checkpoint_safe_globals)
from .mmrazor_quantization import (QuantizationUnavailableError,
                                   patch_mmrazor_quantization_import)
from .switches import DISABLE_ENV, FIXES, disabled_fixes, enabled

__all__ = [
    'DISABLE_ENV', 'FIXES', 'QuantizationUnavailableError',
    'allow_hgd_mm_configs', 'allow_mmengine_checkpoints', 'apply',
    'disabled_fixes', 'enabled',
    'history_buffer_method', 'mmcv_ops_accept_bf16',
    'mmengine_checkpoint_safe_globals', 'patch_cpu_distributed',
    'patch_mmrazor_quantization_import', 'refuse_local_cfg_paths'
]


def apply() -> None:
    """Install the import-time fixes not disabled; safe to call again."""
    disabled = disabled_fixes()  # an unknown name fails here, at import
    if 'mmrazor_quantization_import' not in disabled:
        patch_mmrazor_quantization_import()
    if 'mmengine_checkpoints' not in disabled:
        allow_mmengine_checkpoints()
    if 'cpu_distributed' not in disabled:
        patch_cpu_distributed()
    if 'hgd_mm_configs' not in disabled:
        allow_hgd_mm_configs()
    if 'local_cfg_path' not in disabled:
        refuse_local_cfg_paths()
