#!/usr/bin/env python
"""bf16 autocast against fp32 on this CPU: the same training steps in both
precisions, timed round-robin (``hgd_mm_dev.benchmarks.precision_speed``;
its docstring says what is measured and how).

Usage: python tools/benchmarks/precision_speed.py [--methods student_only
       hgd pkd] [--rounds 5] [--iters 5] [--warmup 2] [--threads 1]
       [--data-root data/mini_coco] [--out-dir docs/results] [--quick]
"""
from hgd_mm_dev.benchmarks.precision_speed import main

if __name__ == '__main__':
    main()
