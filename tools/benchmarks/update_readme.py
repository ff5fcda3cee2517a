#!/usr/bin/env python
"""Write the benchmark tables into README.md from docs/results/*.json
(``hgd_mm_dev.benchmarks.readme``).

Usage: python tools/benchmarks/update_readme.py [--check]
"""
import sys

from hgd_mm_dev.benchmarks.readme import main

if __name__ == '__main__':
    sys.exit(main())
