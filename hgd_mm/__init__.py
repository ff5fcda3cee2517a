"""hgd-mm: Hands-on Guidance Distillation for MMDetection, as MMRazor components.

Importing it applies the stack's compatibility fixes (:mod:`hgd_mm.compat`),
registers the HGD components in MMRazor's ``MODELS`` registry, and makes
MMRazor's teachers load strictly (:mod:`hgd_mm.engine.teacher_checkpoint`).
"""
from . import compat

compat.apply()

from . import engine  # noqa: E402
from .models import *  # noqa: E402,F401,F403
from .models import __all__ as _models_all  # noqa: E402
from .version import __version__  # noqa: E402

# Teachers of MMRazor's single-teacher algorithms load strictly, with clear
# errors (hgd_mm/engine/teacher_checkpoint.py).
engine.teacher_checkpoint.install()

__all__ = ['__version__', 'compat', 'engine', *_models_all]
