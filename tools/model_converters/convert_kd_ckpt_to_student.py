#!/usr/bin/env python
"""Convert an MMRazor distillation checkpoint to a plain student checkpoint
(``hgd_mm.model_converters.kd_to_student``).

Usage::

    python tools/model_converters/convert_kd_ckpt_to_student.py CKPT \\
        [--out-path DIR] [--out-config --config DISTILL_CONFIG]
"""
import sys

from hgd_mm.model_converters.kd_to_student import main

if __name__ == '__main__':
    sys.exit(main())
