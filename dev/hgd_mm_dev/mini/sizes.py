"""COCO's object size buckets and the box sides the generator draws in each.

Box sides are kept clear of COCO's 32 / 96 pixel limits, so that rounding
cannot move an object to another bucket.
"""
from typing import Dict, Tuple

__all__ = [
    'SIZE_BUCKETS', 'COCO_SMALL_MAX', 'COCO_MEDIUM_MAX', 'coco_size_bucket',
    'side_ranges'
]

SIZE_BUCKETS = ('small', 'medium', 'large')
#: COCO's limits: area < 32**2 is small, < 96**2 medium, else large.
COCO_SMALL_MAX = 32**2
COCO_MEDIUM_MAX = 96**2


def coco_size_bucket(area: float) -> str:
    """COCO's size bucket for a box area in pixels."""
    if area < COCO_SMALL_MAX:
        return 'small'
    if area < COCO_MEDIUM_MAX:
        return 'medium'
    return 'large'


def side_ranges(img_size: int, min_side: float,
                max_side_frac: float) -> Dict[str, Tuple[float, float]]:
    """Box side ranges per bucket, kept clear of COCO's 32 / 96 px limits."""
    max_side = max_side_frac * img_size
    return {
        'small': (float(min_side), 28.0),
        'medium': (36.0, min(88.0, max_side)),
        'large': (104.0, max_side),
    }
