#!/usr/bin/env python
"""Training speed and memory of HGD and its peers on the mini setting, timed
round-robin with the ratios taken per round
(``hgd_mm_dev.benchmarks.speed``; its docstring says what is measured and
how).

Usage: python tools/benchmarks/speed.py [--rounds 7] [--iters 10]
       [--warmup 3] [--methods ...] [--threads 1] [--profile hgd pkd]
       [--data-root data/mini_coco] [--out-dir docs/results] [--quick]
"""
from hgd_mm_dev.benchmarks.speed import main

if __name__ == '__main__':
    main()
