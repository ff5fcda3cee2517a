"""hgd-mm: Hands-on Guidance Distillation for MMDetection, as MMRazor
components.

``import hgd_mm`` does exactly this, in this order (the README's
"Compatibility fixes" table has the same list; ``HGD_MM_COMPAT_DISABLE``,
read here, switches any of them off):

1. registers a stand-in module for
   ``mmrazor.structures.quantization.backend_config`` in ``sys.modules``
   (torch >= 2, mmrazor not yet imported) so that ``import mmrazor.models``
   succeeds;
2. adds mmengine's checkpoint types (numpy scalars/arrays, ``HistoryBuffer``)
   to torch's ``weights_only`` allow-list;
3. only when CUDA is not available: replaces mmengine's
   ``dist.utils._init_dist_pytorch`` and ``MMDistributedDataParallel.__init__``
   so that distributed training runs on CPU with gloo;
4. adds ``hgd_mm`` to mmengine's table of config packages and answers
   mmengine's ``get_installed_path('hgd_mm')`` with this package's folder,
   so that ``hgd_mm::`` config names resolve (``hgd_mm/.mim/configs``);
5. wraps ``mmengine.hub.get_model`` so that a ``cfg_path`` without ``::``
   (a local file, which mmengine refuses anyway) fails with
   :class:`hgd_mm.engine.LocalCfgPathError`, naming the pattern that works;
6. registers the HGD components in MMRazor's ``MODELS`` registry,
   ``CPUAmpOptimWrapper`` in mmengine's ``OPTIM_WRAPPERS`` and
   ``AtomicCheckpointHook``/``NonFiniteLossHook`` in its ``HOOKS`` (this
   imports ``mmrazor.models``, which imports ``mmdet.models`` and
   ``mmcv.ops``);
7. wraps ``SingleTeacherDistill.__init__`` to accept ``strict_teacher_ckpt``:
   an algorithm whose distiller is ``HGDDistiller`` (or that sets
   ``strict_teacher_ckpt=True``) loads its teacher strictly, every other
   algorithm exactly as MMRazor does (:mod:`hgd_mm.engine.teacher_checkpoint`).

Nothing else changes: mmcv's ``nms``/``RoIAlign`` take bf16 inputs only inside
``CPUAmpOptimWrapper``'s autocast context (:mod:`hgd_mm.compat.mmcv_ops_bf16`).
"""
from . import compat

compat.apply()

from . import engine  # noqa: E402
from .models import *  # noqa: E402,F401,F403
from .models import __all__ as _models_all  # noqa: E402
from .version import __version__  # noqa: E402

engine.teacher_checkpoint.install()

__all__ = ['__version__', 'compat', 'engine', *_models_all]
