"""Unannotated distractors in palette colours.

Curved strokes, zig-zags, arcs (at most 200 degrees), irregular blobs
(low-order harmonic outlines, not round, not star-like) and speckles. Most
are drawn under the objects; thin ones may also cross over them.
"""
import cv2
import numpy as np

from .palette import pick_colour
from .shapes import SUBPIXEL_ONE, SUBPIXEL_SHIFT

__all__ = ['CLUTTER_UNDER', 'CLUTTER_OVER', 'draw_clutter']


def _bezier(rng, h, w, n=24) -> np.ndarray:
    p = rng.uniform([-0.1 * w, -0.1 * h], [1.1 * w, 1.1 * h], (3, 2))
    length = rng.uniform(15, 0.8 * max(h, w))
    d = p[2] - p[0]
    p[2] = p[0] + d / (np.linalg.norm(d) + 1e-6) * length
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t)**2 * p[0] + 2 * t * (1 - t) * p[1] + t**2 * p[2]


def _clutter_mask(kind: str, rng, h, w) -> np.ndarray:
    """A full-image uint8 mask of one unannotated distractor."""
    mask = np.zeros((h, w), np.uint8)
    if kind == 'stroke':
        pts = _bezier(rng, h, w)
        cv2.polylines(mask, [np.round(pts * SUBPIXEL_ONE).astype(np.int32)], False, 1,
                      int(rng.integers(1, 4)), cv2.LINE_8, SUBPIXEL_SHIFT)
    elif kind == 'zigzag':
        n = int(rng.integers(4, 8))
        start = rng.uniform(0, [w, h])
        steps = rng.normal(0, rng.uniform(5, 15), (n, 2))
        pts = start + np.cumsum(steps, axis=0)
        cv2.polylines(mask, [np.round(pts * SUBPIXEL_ONE).astype(np.int32)], False, 1,
                      int(rng.integers(1, 3)), cv2.LINE_8, SUBPIXEL_SHIFT)
    elif kind == 'arc':
        centre = tuple(int(v) for v in rng.uniform(0, [w, h]))
        axes = tuple(int(v) for v in rng.uniform(6, 40, 2))
        start = rng.uniform(0, 360)
        cv2.ellipse(mask, centre, axes, rng.uniform(0, 180), start,
                    start + rng.uniform(60, 200), 1, int(rng.integers(1, 4)))
    elif kind == 'blob':
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        r = 1 + rng.uniform(0.2, 0.35) * np.cos(2 * t + rng.uniform(0, 7)) \
            + rng.uniform(0.1, 0.3) * np.cos(3 * t + rng.uniform(0, 7)) \
            + rng.uniform(0.0, 0.1) * np.cos(7 * t + rng.uniform(0, 7))
        pts = np.stack([np.cos(t) * r, np.sin(t) * r], 1) * rng.uniform(4, 25)
        pts = pts + rng.uniform(0, [w, h])
        cv2.fillPoly(mask, [np.round(pts * SUBPIXEL_ONE).astype(np.int32)], 1,
                     cv2.LINE_8, SUBPIXEL_SHIFT)
    elif kind == 'speckle':
        n = int(rng.integers(3, 12))
        centre = rng.uniform(0, [w, h])
        pts = centre + rng.normal(0, rng.uniform(3, 12), (n, 2))
        for (x, y), rad in zip(np.round(pts).astype(int),
                               rng.integers(1, 3, n)):
            cv2.circle(mask, (int(x), int(y)), int(rad), 1, -1)
    else:
        raise ValueError(kind)
    return mask


CLUTTER_UNDER = ('stroke', 'zigzag', 'arc', 'blob', 'speckle')
CLUTTER_OVER = ('stroke', 'zigzag', 'arc', 'speckle')


def draw_clutter(canvas, kind, rng, min_contrast) -> np.ndarray:
    h, w = canvas.shape[:2]
    m = _clutter_mask(kind, rng, h, w).astype(bool)
    if m.any():
        _, colour = pick_colour(rng, canvas[m].mean(0), min_contrast)
        canvas[m] = colour
    return m
