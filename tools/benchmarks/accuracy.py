#!/usr/bin/env python
"""Accuracy benchmark on the mini setting: HGD against MMRazor's distillers
(``hgd_mm.benchmarks.accuracy``).

Usage: python tools/benchmarks/accuracy.py [--seeds 0 1 2] [--methods ...]
       [--ablation-seeds 0] [--out-dir docs/results] [--quick]
"""
from hgd_mm.benchmarks.accuracy import main

if __name__ == '__main__':
    main()
