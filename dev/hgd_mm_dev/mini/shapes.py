"""The six shape classes as unit polygons, and their rasterised masks.

Each shape is a polygon (or polygons) in unit coordinates, given a random
aspect stretch (mild for circle/ring/square) and a random rotation, then
scaled so its box has the wanted area, and rasterised with sub-pixel precision
by ``cv2.fillPoly``. Classes differ by geometry only.
"""
from typing import List, Tuple

import cv2
import numpy as np

from .params import SHAPES

__all__ = ['SUBPIXEL_SHIFT', 'SUBPIXEL_ONE', 'make_shape_mask']

SUBPIXEL_SHIFT = 4  # sub-pixel bits for cv2.fillPoly
SUBPIXEL_ONE = 1 << SUBPIXEL_SHIFT


def _regular(n: int, radius: float = 1.0, phase: float = 0.0) -> np.ndarray:
    t = phase + np.arange(n) * (2 * np.pi / n)
    return np.stack([np.cos(t), np.sin(t)], axis=1) * radius


def _shape_polygons(name: str,
                    rng: np.random.Generator) -> List[Tuple[np.ndarray, int]]:
    """Unit-size polygons of one shape, as ``[(points Nx2, fill 1|0), ...]``.

    Filled in order; fill 0 cuts a hole (the ring). The caller applies the
    aspect stretch (at most ``_MAX_LOG_ASPECT[name]``), rotation and scale.
    """
    if name == 'circle':
        return [(_regular(64), 1)]
    if name == 'ring':
        width = rng.uniform(0.2, 0.36)
        return [(_regular(64), 1), (_regular(64, 1.0 - width), 0)]
    if name == 'square':
        return [(np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float), 1)]
    if name == 'triangle':
        angles = np.pi / 2 + np.arange(3) * (2 * np.pi / 3)
        angles = angles + rng.uniform(-0.2, 0.2, 3)
        radii = rng.uniform(0.85, 1.15, 3)
        pts = np.stack([np.cos(angles), np.sin(angles)], 1) * radii[:, None]
        return [(pts, 1)]
    if name == 'cross':
        t = rng.uniform(0.28, 0.42)
        bar = np.array([[-1, -t], [1, -t], [1, t], [-1, t]], float)
        return [(bar, 1), (bar[:, ::-1].copy(), 1)]
    if name == 'star':
        inner = rng.uniform(0.38, 0.52)
        outer = _regular(5, 1.0, -np.pi / 2)
        inner_pts = _regular(5, inner, -np.pi / 2 + np.pi / 5)
        pts = np.empty((10, 2))
        pts[0::2], pts[1::2] = outer, inner_pts
        return [(pts, 1)]
    raise ValueError(f'unknown shape {name!r}; known: {SHAPES}')


#: Largest |log(aspect)| of the random stretch per shape.
_MAX_LOG_ASPECT = {
    'circle': np.log(1.2),
    'ring': np.log(1.2),
    'square': np.log(1.25),
    'triangle': np.log(1.3),
    'cross': np.log(1.3),
    'star': np.log(1.25),
}


def _transform(polys, log_aspect: float, angle: float):
    k = np.exp(log_aspect / 2)
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, s], [-s, c]])
    return [(p * np.array([k, 1 / k]) @ rot, fill) for p, fill in polys]


def _rasterise(polys, rng: np.random.Generator) -> np.ndarray:
    """Fill pixel-unit polygons into a tight uint8 mask patch (1 = shape)."""
    pts_all = np.concatenate([p for p, fill in polys if fill])
    lo = pts_all.min(0)
    # a random sub-pixel offset so equal shapes do not all align to the grid
    off = 1.0 + rng.random(2) - lo
    size = np.ceil(pts_all.max(0) + off + 1).astype(int)
    mask = np.zeros((size[1], size[0]), np.uint8)
    for p, fill in polys:
        q = np.round((p + off) * SUBPIXEL_ONE).astype(np.int32)
        cv2.fillPoly(mask, [q], int(fill), cv2.LINE_8, SUBPIXEL_SHIFT)
    x, y, w, h = cv2.boundingRect(mask)
    return mask[y:y + h, x:x + w]


def make_shape_mask(name: str, side: float, max_side: float,
                     rng: np.random.Generator) -> np.ndarray:
    """A tight mask of ``name`` whose box area is about ``side ** 2``."""
    polys = _shape_polygons(name, rng)
    m = _MAX_LOG_ASPECT[name]
    polys = _transform(polys, rng.uniform(-m, m), rng.uniform(0, 2 * np.pi))
    pts = np.concatenate([p for p, fill in polys if fill])
    w0, h0 = pts.max(0) - pts.min(0)
    scale = min(side / np.sqrt(w0 * h0), max_side / max(w0, h0))
    return _rasterise([(p * scale, f) for p, f in polys], rng)
