#!/usr/bin/env python
"""`make demo`: HGD from scratch on 2 CPU cores, on data the project makes
(``hgd_mm_dev.benchmarks.demo``).

Usage: python tools/demo.py [--work-dir work_dirs/demo] [--seed 0]
       [--quick]   (a tiny run for the tests: a few iterations)
"""
from hgd_mm_dev.benchmarks.demo import main

if __name__ == '__main__':
    main()
