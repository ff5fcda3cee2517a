#!/usr/bin/env python
"""Save a mini teacher and pre-trained backbones as the reference weights
(``dev/reference/``) that every later benchmark session restores instead of
training them again (``hgd_mm_dev.mini.reference``: the same inputs train
another model on another machine).

Usage::

    python tools/misc/save_mini_reference.py \\
        --teacher work_dirs/demo/teacher \\
        --name teacher_retinanet-quarter-width \\
        --pretrained work_dirs/mini_pretrained/resnet18-w16.pth
"""
from hgd_mm_dev.mini.reference_cli import main

if __name__ == '__main__':
    main()
