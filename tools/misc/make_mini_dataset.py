#!/usr/bin/env python
"""Make the embedded mini dataset (``hgd_mm_dev.mini``): a small,
deterministic, synthetic COCO-format detection set.

Usage::

    python tools/misc/make_mini_dataset.py OUT_DIR [--num-train 1200]
        [--num-val 1000] [--num-tune 1000] [--img-size 160] [--seed 0]
        [--max-objects 6] [--size-probs 0.5 0.45 0.05] ...
        (--help lists every option and its default)

From Python:
``hgd_mm_dev.mini.make_mini_dataset(out_dir, MiniDatasetParams())``.
"""
from hgd_mm_dev.mini.cli import main

if __name__ == '__main__':
    main()
