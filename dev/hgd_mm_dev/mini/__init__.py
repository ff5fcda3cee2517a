"""The embedded mini setting: a synthetic COCO-format dataset made on the
spot, and the training runs of ``make demo`` and the benchmarks on it.

Data (one concern per module, all driven by one
:class:`~hgd_mm_dev.mini.params.MiniDatasetParams`):

- ``params``: the knobs and their defaults, written once;
- ``sizes``: COCO's size buckets and the box sides drawn in each;
- ``shapes``, ``palette``, ``textures``, ``clutter``: what an image is drawn
  from; ``compose.generate_image`` draws one image;
- ``coco_writer``: one split (images + COCO json) and its statistics;
  ``dataset``: the train / val / tune splits, ``meta.json`` and the summary; ``cli``: the command line of
  ``tools/misc/make_mini_dataset.py``.

Runs: ``paths`` knows the repository layout (configs, tools, data);
``pretrain`` pre-trains backbones on object crops (the setting's ImageNet);
``runs`` trains a config through ``tools/train.py`` in a subprocess, reads
its metrics back from mmengine's logs and caches the backbones and the
teacher. ``make demo``
and the benchmarks that drive these runs, and their reports, are in
:mod:`hgd_mm_dev.benchmarks`.

Design of the data: six shape classes told apart by geometry only; colour
drawn from one shared palette by contrast alone (it carries no class
information); each object draws a COCO size bucket (``size_probs``), then a
box side inside it, kept clear of the 32 / 96 px limits; objects are drawn
roughly largest first, occlude each other and may be cut by the border;
backgrounds are textured and cluttered; background is the majority (about
0.3 of the stride-8 cells lie inside a box with the defaults). Only
whole-array numpy / OpenCV operations: about 20 s for the default 1200 +
1000 + 1000 images of 160 px on one core.
"""
from .coco_writer import foreground_fraction
from .compose import generate_image
from .dataset import format_summary, make_mini_dataset
from .palette import PALETTE
from .params import DEFAULT_CLASSES, SHAPES, MiniDatasetParams
from .sizes import coco_size_bucket

__all__ = [
    'DEFAULT_CLASSES', 'SHAPES', 'PALETTE', 'MiniDatasetParams',
    'coco_size_bucket', 'generate_image', 'make_mini_dataset',
    'format_summary', 'foreground_fraction'
]
