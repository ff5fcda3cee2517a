#!/usr/bin/env python
"""Make the embedded mini dataset (``hgd_mm_dev.mini``): a small,
deterministic, synthetic COCO-format detection set.

Usage::

    python tools/misc/make_mini_dataset.py OUT_DIR [--num-train 800]
        [--num-val 200] [--img-size 160] [--seed 0] [--max-objects 8]
        [--size-probs 0.4 0.4 0.2] ...   (--help lists every option)

From Python:
``hgd_mm_dev.mini.make_mini_dataset(out_dir, MiniDatasetParams())``.
"""
from hgd_mm_dev.mini.cli import main

if __name__ == '__main__':
    main()
