#!/usr/bin/env python
"""Pre-train the backbones of mini detector configs on the mini data, as COCO
detectors start from ImageNet (``hgd_mm_dev.mini.pretrain``).

Usage::

    python tools/misc/pretrain_mini_backbone.py \\
        configs/mini/retinanet_r18_fpn64_mini.py \\
        configs/mini/retinanet_r18-w16_fpn64_mini.py [--epochs 12] ...

Each backbone is written where its ``init_cfg`` points
(``$HGD_MINI_PRETRAINED``, default ``work_dirs/mini_pretrained/``); weights
made from the same inputs are reused.
"""
from hgd_mm_dev.mini.pretrain_cli import main

if __name__ == '__main__':
    main()
