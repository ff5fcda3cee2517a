#!/usr/bin/env python
"""How much of a method's seed spread on ``val`` is the val set's finite
size: every run's predictions scored on shared bootstrap resamples of the
val images (``hgd_mm_dev.benchmarks.val_sampling``).

Usage: python tools/benchmarks/val_sampling.py [--methods baseline ...]
       [--work-dir work_dirs/bench_accuracy] [--resamples 200]
"""
from hgd_mm_dev.benchmarks.val_sampling import main

if __name__ == '__main__':
    main()
