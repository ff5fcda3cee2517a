"""Reading what mmengine logs during training.

``scalars``: the newest run's ``vis_data/scalars.json`` under a work dir, and
its records (used by the mini runs to read metrics and timings back, and by
``tools/analysis/plot_hgd_log.py``); ``plot_hgd_log``: HGD's per-stage curves
from such a log.
"""
from .scalars import find_scalars, read_scalars

__all__ = ['find_scalars', 'read_scalars']
