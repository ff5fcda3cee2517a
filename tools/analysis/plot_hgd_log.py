#!/usr/bin/env python
"""Plot HGD's per-stage losses and weights over training from an mmengine log.

Usage::

    python tools/analysis/plot_hgd_log.py WORK_DIR_OR_SCALARS_JSON --out PNG

(``hgd_mm.training_logs.plot_hgd_log``).
"""
from hgd_mm.training_logs.plot_hgd_log import main

if __name__ == '__main__':
    main()
