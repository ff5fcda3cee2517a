#!/usr/bin/env python
"""Accuracy benchmark on the mini setting: HGD against MMRazor's distillers,
every method at 5 seeds, ablations at 3, with 95 % Welch intervals
(``hgd_mm_dev.benchmarks.accuracy``).

Usage: python tools/benchmarks/accuracy.py [--seeds 0 1 2 3 4]
       [--methods ...] [--ablation-seeds 0 1 2] [--jobs 2] [--split val]
       [--report-only] [--out-dir docs/results] [--quick]
"""
from hgd_mm_dev.benchmarks.accuracy import main

if __name__ == '__main__':
    main()
