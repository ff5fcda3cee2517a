"""hgd-mm: Hands-on Guidance Distillation for MMDetection, as MMRazor components."""
from . import compat

compat.apply()

from .version import __version__  # noqa: E402

__all__ = ['__version__', 'compat']
