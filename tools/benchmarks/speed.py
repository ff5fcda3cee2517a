#!/usr/bin/env python
"""Training speed and memory of HGD and its peers on the mini setting
(``hgd_mm.benchmarks.speed``; its docstring says what is measured and how).

Usage: python tools/benchmarks/speed.py [--iters 20] [--warmup 3]
       [--methods ...] [--threads N] [--data-root data/mini_coco]
       [--out-dir docs/results] [--quick]
"""
from hgd_mm.benchmarks.speed import main

if __name__ == '__main__':
    main()
