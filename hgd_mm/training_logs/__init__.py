"""Reading what mmengine logs during training.

``scalars``: the newest run's ``vis_data/scalars.json`` under a work dir, and
its records (used by the mini runs to read metrics and timings back, and by
``tools/analysis/plot_hgd_log.py``), and every run of a resumed work dir as
one history; ``plot_hgd_log``: HGD's per-stage curves from such a log.
"""
from .scalars import (find_all_scalars, find_scalars, read_run_scalars,
                      read_scalars)

__all__ = ['find_all_scalars', 'find_scalars', 'read_run_scalars',
           'read_scalars']
