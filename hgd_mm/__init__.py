"""hgd-mm: Hands-on Guidance Distillation for MMDetection, as MMRazor components.

Importing it applies the stack's compatibility fixes (:mod:`hgd_mm.compat`)
and registers the HGD components in MMRazor's ``MODELS`` registry.
"""
from . import compat

compat.apply()

from .models import *  # noqa: E402,F401,F403
from .models import __all__ as _models_all  # noqa: E402
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'compat', *_models_all]
