"""The knobs of the mini dataset, written once: :class:`MiniDatasetParams`.

Every other module of the generator, the command line
(``tools/misc/make_mini_dataset.py`` builds one option per field) and
``meta.json`` read the parameters from this one frozen dataclass. To add a
knob, add a field with its default and a ``help`` in its metadata; mark it
``image=True`` when :func:`hgd_mm_dev.mini.compose.generate_image` reads it, so
that ``meta.json`` records it under ``params``.
"""
from dataclasses import dataclass, field, fields
from typing import Any, Dict, Tuple, get_type_hints

import numpy as np

from .sizes import SIZE_BUCKETS, side_ranges

__all__ = ['SHAPES', 'DEFAULT_CLASSES', 'MiniDatasetParams']

#: Every shape the generator can draw; ``classes`` picks from these.
SHAPES = ('circle', 'square', 'triangle', 'cross', 'ring', 'star')
DEFAULT_CLASSES = SHAPES


def knob(default: Any, help: str, image: bool = False, **cli: Any) -> Any:
    """A dataclass field with its command-line help.

    Args:
        default: the default value (the only place it is written).
        help: the option's help text.
        image: whether ``generate_image`` reads it (recorded in
            ``meta.json``'s ``params``).
        cli: extra ``argparse.add_argument`` keywords (``choices``,
            ``metavar``).
    """
    return field(default=default,
                 metadata=dict(help=help, image=image, cli=cli))


@dataclass(frozen=True)
class MiniDatasetParams:
    """What the mini dataset is made of; values are checked and converted to
    their field types (tuples, ints, floats) on construction.

    The field order is the order of ``meta.json``'s ``params`` (so files of
    the same parameters stay byte-identical across versions).

    Args:
        num_train: training images.
        num_val: validation images (the reported split).
        num_tune: images of the tuning split, drawn from their own random
            stream (split code 2); every hyper-parameter is chosen on it,
            never on ``val``.
        img_size: square image side in pixels.
        seed: the seed every image's generator derives from.
        classes: subset/order of :data:`SHAPES`.
        max_objects: most objects per image.
        min_objects: fewest objects per (non-empty) image.
        size_probs: probabilities of a COCO small / medium / large object.
        min_side: smallest object box side in pixels.
        max_side_frac: largest object box side as a fraction of img_size.
        max_clutter: most unannotated distractors per image.
        min_visibility: objects with less of their pixels visible are dropped.
        truncate_prob: probability that an object may be cut by the border.
        empty_frac: fraction of images with no objects.
        img_format: ``png`` (lossless) or ``jpg``.
        jpeg_quality: JPEG quality when ``img_format='jpg'``.
    """
    num_train: int = knob(1200, 'training images')
    num_val: int = knob(1000, 'validation images (the reported split)')
    num_tune: int = knob(1000, 'tuning-split images (hyper-parameters are '
                         'chosen on these, never on val)')
    img_size: int = knob(160, 'square image side in pixels', image=True)
    seed: int = knob(0, 'seed of every image\'s random generator')
    classes: Tuple[str, ...] = knob(
        DEFAULT_CLASSES, f'subset/order of {", ".join(SHAPES)}',
        choices=SHAPES, metavar='NAME')
    # Background is the majority: with these defaults about 0.29 of the
    # stride-8 cells lie inside a box (``foreground_fraction`` in
    # meta.json), as on COCO, where foreground/background mechanisms matter.
    max_objects: int = knob(6, 'most objects per image', image=True)
    min_objects: int = knob(1, 'fewest objects per non-empty image',
                            image=True)
    size_probs: Tuple[float, float, float] = knob(
        (0.5, 0.45, 0.05), 'probabilities of drawing a COCO small/medium/large '
        'object', image=True, metavar=('SMALL', 'MEDIUM', 'LARGE'))
    min_side: float = knob(10.0, 'smallest object box side in pixels',
                           image=True)
    max_side_frac: float = knob(
        0.9, 'largest object box side as a fraction of img-size', image=True)
    max_clutter: int = knob(5, 'most distractors per image', image=True)
    min_visibility: float = knob(
        0.3, 'drop objects with less of their pixels visible', image=True)
    truncate_prob: float = knob(
        0.1, 'probability that an object may be cut by the border',
        image=True)
    empty_frac: float = knob(0.03, 'fraction of images with no objects')
    img_format: str = knob('png', 'image file format',
                           choices=('png', 'jpg'))
    jpeg_quality: int = knob(95, 'JPEG quality (with --img-format jpg)')

    def __post_init__(self) -> None:
        for name, kind in get_type_hints(type(self)).items():
            object.__setattr__(self, name, _as_type(getattr(self, name), kind))
        self._check()

    def _check(self) -> None:
        classes = self.classes
        unknown = [c for c in classes if c not in SHAPES]
        if unknown or not classes or len(set(classes)) != len(classes):
            raise ValueError(f'classes must be distinct names from {SHAPES}, '
                             f'got {classes}')
        if self.seed < 0:
            raise ValueError('seed must be >= 0')
        if not 1 <= self.min_objects <= self.max_objects:
            raise ValueError('need 1 <= min_objects <= max_objects')
        probs = np.asarray(self.size_probs, float)
        if probs.shape != (3, ) or (probs < 0).any() or probs.sum() <= 0:
            raise ValueError('size_probs must be 3 non-negative numbers')
        ranges = self.side_ranges()
        for i, bucket in enumerate(SIZE_BUCKETS):
            lo, hi = ranges[bucket]
            if probs[i] > 0 and lo > hi:
                raise ValueError(
                    f'img_size={self.img_size} is too small for {bucket} '
                    f'objects (box side {lo:.0f}..{hi:.0f} px); set its '
                    f'size_probs to 0')
        if self.img_format not in ('png', 'jpg'):
            raise ValueError("img_format must be 'png' or 'jpg'")

    def side_ranges(self) -> Dict[str, Tuple[float, float]]:
        """Box side ranges per COCO size bucket for these parameters."""
        return side_ranges(self.img_size, self.min_side, self.max_side_frac)

    def image_params(self) -> Dict[str, Any]:
        """The fields ``generate_image`` reads, but ``classes``, as
        ``meta.json`` records them (tuples as lists)."""
        return {
            f.name: (list(getattr(self, f.name)) if isinstance(
                getattr(self, f.name), tuple) else getattr(self, f.name))
            for f in fields(self)
            if f.metadata['image'] and f.name != 'classes'
        }


def _as_type(value: Any, kind: Any) -> Any:
    """``value`` converted to a field type: int, float, str or a tuple."""
    if getattr(kind, '__origin__', None) is tuple:
        item = kind.__args__[0]
        return tuple(item(v) for v in value)
    return kind(value)
