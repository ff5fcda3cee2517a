#!/usr/bin/env python
"""Tuning study on the mini setting's tuning split: HGD's hyper-parameters
are chosen here, never on the reported val split
(``hgd_mm_dev.benchmarks.tuning``).

Usage: python tools/benchmarks/tuning.py [--candidates ...] [--seeds 0 1 2]
       [--jobs 2] [--report-only] [--quick]
"""
from hgd_mm_dev.benchmarks.tuning import main

if __name__ == '__main__':
    main()
