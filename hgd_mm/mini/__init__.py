"""The embedded mini setting: a synthetic COCO-format dataset made on the
spot, and the training runs of ``make demo`` and the benchmarks on it.

Data (one concern per module, all driven by one
:class:`~hgd_mm.mini.params.MiniDatasetParams`):

- ``params``: the knobs and their defaults, written once;
- ``sizes``: COCO's size buckets and the box sides drawn in each;
- ``shapes``, ``palette``, ``textures``, ``clutter``: what an image is drawn
  from; ``compose.generate_image`` draws one image;
- ``coco_writer``: one split (images + COCO json); ``dataset``: both splits,
  ``meta.json`` and the summary; ``cli``: the command line of
  ``tools/misc/make_mini_dataset.py``.

Runs: ``paths`` knows the repository layout (configs, tools, data);
``runs`` trains a config through ``tools/train.py`` in a subprocess, reads
its metrics back from mmengine's logs and caches the teacher. ``make demo``
and the benchmarks that drive these runs, and their reports, are in
:mod:`hgd_mm.benchmarks`.

Design of the data: six shape classes told apart by geometry only; colour
drawn from one shared palette by contrast alone (it carries no class
information); each object draws a COCO size bucket (``size_probs``), then a
box side inside it, kept clear of the 32 / 96 px limits; objects are drawn
roughly largest first, occlude each other and may be cut by the border;
backgrounds are textured and cluttered. Only whole-array numpy / OpenCV
operations: about 9 s for 800 + 200 images of 160 px on one core.
"""
from .compose import generate_image
from .dataset import format_summary, make_mini_dataset
from .palette import PALETTE
from .params import DEFAULT_CLASSES, SHAPES, MiniDatasetParams
from .sizes import coco_size_bucket

__all__ = [
    'DEFAULT_CLASSES', 'SHAPES', 'PALETTE', 'MiniDatasetParams',
    'coco_size_bucket', 'generate_image', 'make_mini_dataset',
    'format_summary'
]
