#!/usr/bin/env python
"""Make a small, deterministic, synthetic COCO-format detection dataset.

The set is meant for fast end-to-end runs of detectors (and teacher/student
distillation) on a CPU: it is small enough to train on in minutes, yet hard
enough that a detector has to learn *shape*, copes with clutter and occlusion,
and gets an AP in each of COCO's small / medium / large buckets.

Usage::

    python tools/misc/make_mini_dataset.py OUT_DIR [--num-train 800]
        [--num-val 200] [--img-size 160] [--seed 0] [--max-objects 8]
        [--size-probs 0.4 0.4 0.2] ...

or, from Python (``tools/`` is not a package; load this file by path)::

    stats = make_mini_dataset('data/mini', num_train=800, num_val=200)

Output (ready for ``mmdet.datasets.CocoDataset``)::

    OUT_DIR/annotations/instances_train.json   COCO json, bbox = [x, y, w, h]
    OUT_DIR/annotations/instances_val.json
    OUT_DIR/train/000001.png ...        (``data_prefix=dict(img='train/')``)
    OUT_DIR/val/000001.png ...
    OUT_DIR/meta.json                          class names, seed, sizes, stats

Design
------
Determinism.
    Every image has its own generator, ``np.random.default_rng([seed, split,
    index])``; nothing touches global random state and nothing depends on time,
    the number of processes or the order of work. The same arguments give
    byte-identical json and pixel-identical images (PNG by default, lossless).
    Image ``i`` does not depend on how many images are made, so a bigger set
    starts with the images of a smaller one (only the choice of which images
    are left empty is drawn per split).
Classes.
    Six shapes by default, told apart by geometry only: ``circle``, ``square``,
    ``triangle``, ``cross`` (plus sign), ``ring`` (a hollow circle; the hole
    shows what is beneath) and ``star`` (five points). Each is a polygon
    (or polygons) in unit coordinates, given a random aspect stretch (mild for
    circle/ring/square) and a random rotation, then scaled so its box has the
    wanted area, and rasterised with sub-pixel precision by ``cv2.fillPoly``.
    Objects in one image take their classes from a shuffled deck, so an image
    holds a mix of classes and the set is close to balanced.
Colour carries no class information.
    Objects and clutter take their colour from one shared palette, chosen only
    by contrast with what lies beneath, then jittered and shaded by a random
    linear gradient.
Sizes.
    Each object first draws a COCO size bucket (default probabilities 0.4 small
    / 0.4 medium / 0.2 large, ``size_probs``), then a box side ``s`` uniformly
    within the bucket, kept away from the bucket limits (32 and 96 pixels) so
    that rounding cannot move it: small 10..28, medium 36..88, large
    104..0.9*img_size. The shape is scaled so that its box area is ``s**2``.
    Objects are drawn roughly largest first, so large ones tend to be the
    lowest layer. Occlusion and the image border can shrink a box, so the
    measured bucket fractions differ a little from ``size_probs``; the summary
    and ``meta.json`` report the measured ones.
Occlusion and visibility.
    Objects are drawn in order onto an owner map (the index of the object that
    owns each pixel, -1 for none). A placement is retried (up to
    ``max_place_tries``) if it would leave an earlier object with less than
    ``min_visibility + 0.05`` of its pixels visible. Clutter may be drawn over
    the objects too; at the end an object whose visible fraction is below
    ``min_visibility`` (0.3) is dropped from the annotations (it stays drawn).
    Some objects (``truncate_prob``) may be cut by the image border.
Boxes.
    Tight around the *visible* pixels of the drawn shape (from the owner map,
    like COCO boxes come from visible masks), clipped to the image, integer,
    w, h >= 1, ``area = w * h``, ``iscrowd = 0``.
Backgrounds.
    A two-colour blend through one pattern - smoothed noise, a linear gradient,
    soft or hard stripes, or a fine checker (cells smaller than any object) -
    at a random contrast, plus low-frequency colour noise, up to two patches of
    another texture behind soft irregular masks, and pixel noise; sometimes a
    slight blur.
Clutter.
    Unannotated distractors in palette colours: curved strokes, zig-zags, arcs
    (at most 200 degrees), irregular blobs (low-order harmonic outlines, not
    round, not star-like) and speckles. Most are drawn under the objects; thin
    ones may also cross over them.
Empty images.
    ``empty_frac`` of the images (at least one per split when > 0) have no
    objects at all; they are still listed in ``images``.
Speed.
    Only whole-array numpy / OpenCV operations; Python loops run over objects,
    never pixels. One process: about 6 ms to draw and 2.5 ms to write a PNG
    per 160 px image, so 800 + 200 images take about 9 s.
"""
import argparse
import functools
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

__all__ = [
    'DEFAULT_CLASSES', 'SHAPES', 'PALETTE', 'coco_size_bucket',
    'generate_image', 'make_mini_dataset', 'main'
]

GENERATOR_VERSION = 1

#: Every shape this tool can draw; ``classes`` picks from these.
SHAPES = ('circle', 'square', 'triangle', 'cross', 'ring', 'star')
DEFAULT_CLASSES = SHAPES

#: Shared palette (BGR, as OpenCV draws). Objects and clutter use the same one.
PALETTE = np.array(
    [
        (40, 40, 220),  # red
        (50, 180, 40),  # green
        (210, 90, 30),  # blue
        (30, 220, 240),  # yellow
        (220, 220, 40),  # cyan
        (200, 50, 200),  # magenta
        (20, 140, 250),  # orange
        (140, 40, 110),  # purple
        (245, 245, 245),  # white
        (25, 25, 25),  # black
        (128, 128, 128),  # grey
        (40, 80, 130),  # brown
        (180, 230, 170),  # mint
        (190, 150, 250),  # pink
    ],
    dtype=np.float32)

SIZE_BUCKETS = ('small', 'medium', 'large')
#: COCO's limits: area < 32**2 is small, < 96**2 medium, else large.
COCO_SMALL_MAX = 32**2
COCO_MEDIUM_MAX = 96**2
_SHIFT = 4  # sub-pixel bits for cv2.fillPoly
_ONE = 1 << _SHIFT


def coco_size_bucket(area: float) -> str:
    """COCO's size bucket for a box area in pixels."""
    if area < COCO_SMALL_MAX:
        return 'small'
    if area < COCO_MEDIUM_MAX:
        return 'medium'
    return 'large'


def _side_ranges(img_size: int, min_side: float,
                 max_side_frac: float) -> Dict[str, Tuple[float, float]]:
    """Box side ranges per bucket, kept clear of COCO's 32 / 96 px limits."""
    max_side = max_side_frac * img_size
    return {
        'small': (float(min_side), 28.0),
        'medium': (36.0, min(88.0, max_side)),
        'large': (104.0, max_side),
    }


# ----------------------------------------------------------------------------
# Shapes
# ----------------------------------------------------------------------------
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
        q = np.round((p + off) * _ONE).astype(np.int32)
        cv2.fillPoly(mask, [q], int(fill), cv2.LINE_8, _SHIFT)
    x, y, w, h = cv2.boundingRect(mask)
    return mask[y:y + h, x:x + w]


def _make_shape_mask(name: str, side: float, max_side: float,
                     rng: np.random.Generator) -> np.ndarray:
    """A tight mask of ``name`` whose box area is about ``side ** 2``."""
    polys = _shape_polygons(name, rng)
    m = _MAX_LOG_ASPECT[name]
    polys = _transform(polys, rng.uniform(-m, m), rng.uniform(0, 2 * np.pi))
    pts = np.concatenate([p for p, fill in polys if fill])
    w0, h0 = pts.max(0) - pts.min(0)
    scale = min(side / np.sqrt(w0 * h0), max_side / max(w0, h0))
    return _rasterise([(p * scale, f) for p, f in polys], rng)


# ----------------------------------------------------------------------------
# Backgrounds
# ----------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _grid(h: int, w: int):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy.flags.writeable = xx.flags.writeable = False
    return yy, xx


@functools.lru_cache(maxsize=64)
def _cubic_upsampler(cells: int, n: int) -> np.ndarray:
    """The n x cells matrix of OpenCV's bicubic 1-D upsampling, cells -> n."""
    m = cv2.resize(
        np.eye(cells, dtype=np.float32), (cells, n),
        interpolation=cv2.INTER_CUBIC)
    m.flags.writeable = False
    return m


def _smooth_noise(rng, h, w, cells, channels=None) -> np.ndarray:
    """Bicubically upsampled uniform noise in [0, 1]: HxW or CxHxW float32.

    Same as ``cv2.resize(..., INTER_CUBIC)`` of a cells x cells grid, done as
    two small matrix products (``ry @ grid @ rx.T``), which is ~10x faster
    for such large upscaling factors.
    """
    ry, rx = _cubic_upsampler(cells, h), _cubic_upsampler(cells, w)
    if channels is None:
        out = ry @ rng.random((cells, cells), dtype=np.float32) @ rx.T
    else:
        small = rng.random((channels, cells, cells), dtype=np.float32)
        out = np.stack([ry @ c @ rx.T for c in small])
    return np.clip(out, 0, 1)


def _pattern(rng, h, w, xx, yy) -> np.ndarray:
    """A scalar texture in [0, 1], HxW float32."""
    kind = rng.choice(4, p=[0.35, 0.25, 0.25, 0.15])
    ang = rng.uniform(0, np.pi)
    u = xx * np.float32(np.cos(ang)) + yy * np.float32(np.sin(ang))
    if kind == 0:  # smoothed noise, coarse to fine
        return _smooth_noise(rng, h, w, int(rng.integers(3, 17)))
    if kind == 1:  # linear gradient
        return (u - u.min()) / max(float(u.max() - u.min()), 1e-6)
    if kind == 2:  # stripes, soft or hard
        period = rng.uniform(4, 30)
        p = 0.5 + 0.5 * np.sin(u * np.float32(2 * np.pi / period) +
                               np.float32(rng.uniform(0, 2 * np.pi)))
        return (p > 0.5).astype(np.float32) if rng.random() < 0.4 else p
    # fine checker (cells smaller than the smallest object), rotated
    v = yy * np.float32(np.cos(ang)) - xx * np.float32(np.sin(ang))
    cell = np.float32(rng.uniform(3, 9))
    return ((np.floor(u / cell) + np.floor(v / cell)) % 2).astype(np.float32)


def _two_colours(rng, max_contrast: float):
    c0 = rng.uniform(0, 255, 3).astype(np.float32)
    d = rng.normal(size=3)
    d = d / (np.linalg.norm(d) + 1e-6) * rng.uniform(0.05, max_contrast) * 255
    return c0, np.clip(c0 + d, 0, 255).astype(np.float32)


def _background(rng, h, w, xx, yy) -> np.ndarray:
    """A textured HxWx3 float32 background.

    Built channel-first (3xHxW), where broadcasting a colour over a pattern
    is a fast contiguous operation, and interleaved once at the end.
    """
    c0, c1 = _two_colours(rng, 0.6)
    img = c0[:, None, None] + (c1 - c0)[:, None, None] * _pattern(
        rng, h, w, xx, yy)
    # low-frequency colour drift
    img += (_smooth_noise(rng, h, w, int(rng.integers(2, 6)), 3) -
            0.5) * np.float32(rng.uniform(0, 60))
    # patches of another texture behind soft, irregular masks
    for _ in range(int(rng.integers(0, 3))):
        alpha = _smooth_noise(rng, h, w, int(rng.integers(2, 5)))
        alpha = np.clip((alpha - np.float32(rng.uniform(0.45, 0.7))) *
                        np.float32(1 / 0.08), 0, 1)
        c2, c3 = _two_colours(rng, 0.5)
        other = c2[:, None, None] + (c3 - c2)[:, None, None] * _pattern(
            rng, h, w, xx, yy)
        img += (other - img) * alpha
    return cv2.merge(list(img))


def _pick_colour(rng, under_mean: np.ndarray, min_contrast: float):
    """A jittered palette colour chosen only by contrast with what is under."""
    dist = np.linalg.norm(PALETTE - under_mean, axis=1)
    ok = np.flatnonzero(dist >= min_contrast)
    idx = int(rng.choice(ok)) if ok.size else int(dist.argmax())
    colour = PALETTE[idx] + rng.uniform(-15, 15, 3).astype(np.float32)
    return idx, np.clip(colour, 0, 255)


# ----------------------------------------------------------------------------
# Clutter
# ----------------------------------------------------------------------------
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
        cv2.polylines(mask, [np.round(pts * _ONE).astype(np.int32)], False, 1,
                      int(rng.integers(1, 4)), cv2.LINE_8, _SHIFT)
    elif kind == 'zigzag':
        n = int(rng.integers(4, 8))
        start = rng.uniform(0, [w, h])
        steps = rng.normal(0, rng.uniform(5, 15), (n, 2))
        pts = start + np.cumsum(steps, axis=0)
        cv2.polylines(mask, [np.round(pts * _ONE).astype(np.int32)], False, 1,
                      int(rng.integers(1, 3)), cv2.LINE_8, _SHIFT)
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
        cv2.fillPoly(mask, [np.round(pts * _ONE).astype(np.int32)], 1,
                     cv2.LINE_8, _SHIFT)
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


_CLUTTER_UNDER = ('stroke', 'zigzag', 'arc', 'blob', 'speckle')
_CLUTTER_OVER = ('stroke', 'zigzag', 'arc', 'speckle')


def _draw_clutter(canvas, kind, rng, min_contrast) -> np.ndarray:
    h, w = canvas.shape[:2]
    m = _clutter_mask(kind, rng, h, w).astype(bool)
    if m.any():
        _, colour = _pick_colour(rng, canvas[m].mean(0), min_contrast)
        canvas[m] = colour
    return m


# ----------------------------------------------------------------------------
# One image
# ----------------------------------------------------------------------------
def generate_image(rng: np.random.Generator,
                   img_size: int = 160,
                   num_objects: Optional[int] = None,
                   classes: Sequence[str] = DEFAULT_CLASSES,
                   max_objects: int = 8,
                   min_objects: int = 1,
                   size_probs: Sequence[float] = (0.4, 0.4, 0.2),
                   min_side: float = 10,
                   max_side_frac: float = 0.9,
                   max_clutter: int = 5,
                   min_visibility: float = 0.3,
                   truncate_prob: float = 0.1,
                   min_contrast: float = 70.0,
                   max_place_tries: int = 15) -> Tuple[np.ndarray, List[dict],
                                                       np.ndarray]:
    """Draw one image.

    Returns ``(image, instances, owner)``: the HxWx3 uint8 BGR image, the kept
    instances (dicts with ``label`` (index into ``classes``), ``bbox``
    ``[x, y, w, h]`` (ints), ``area``, ``visibility``, ``colour`` (palette
    index) and ``index`` (draw order, the value of its pixels in ``owner``)),
    and the HxW int16 owner map (-1 where no object is visible).
    """
    h = w = int(img_size)
    yy, xx = _grid(h, w)
    canvas = _background(rng, h, w, xx, yy)
    owner = np.full((h, w), -1, np.int16)

    n_clutter = int(rng.integers(0, max_clutter + 1))
    over = rng.random(n_clutter) < 0.25
    for _ in range(int((~over).sum())):
        kind = _CLUTTER_UNDER[rng.integers(len(_CLUTTER_UNDER))]
        _draw_clutter(canvas, kind, rng, min_contrast)

    if num_objects is None:
        num_objects = int(rng.integers(min_objects, max_objects + 1))
    ranges = _side_ranges(img_size, min_side, max_side_frac)
    max_side = max_side_frac * img_size
    probs = np.asarray(size_probs, float)
    deck = np.concatenate([
        rng.permutation(len(classes))
        for _ in range(-(-num_objects // len(classes)))
    ])[:num_objects] if num_objects else np.zeros(0, int)
    buckets = rng.choice(3, size=num_objects, p=probs / probs.sum())
    sides = np.array([rng.uniform(*ranges[SIZE_BUCKETS[b]]) for b in buckets])
    # roughly largest first: large objects become the lower layers
    order = np.argsort(-sides * np.exp(rng.normal(0, 0.25, num_objects)),
                       kind='stable')

    full = []  # in-image pixel count of each drawn object
    vis = []  # its currently visible pixel count
    labels, colours = [], []
    for j in order:
        mask = _make_shape_mask(classes[deck[j]], sides[j], max_side, rng)
        ph, pw = mask.shape
        truncate = rng.random() < truncate_prob
        placed = None
        for _ in range(max_place_tries):
            if truncate:
                x0 = int(rng.integers(-int(0.35 * pw), w - int(0.65 * pw) + 1))
                y0 = int(rng.integers(-int(0.35 * ph), h - int(0.65 * ph) + 1))
            else:
                x0 = int(rng.integers(0, max(w - pw, 0) + 1))
                y0 = int(rng.integers(0, max(h - ph, 0) + 1))
            ys = slice(max(y0, 0), min(y0 + ph, h))
            xs = slice(max(x0, 0), min(x0 + pw, w))
            sub = mask[ys.start - y0:ys.stop - y0,
                       xs.start - x0:xs.stop - x0].astype(bool)
            if not sub.any():
                continue
            hit = owner[ys, xs][sub]
            if vis:
                lost = np.bincount(hit[hit >= 0], minlength=len(vis))
                after = np.asarray(vis) - lost
                if np.any(after < (min_visibility + 0.05) * np.asarray(full)):
                    continue
            placed = (ys, xs, sub, hit)
            break
        if placed is None:
            continue  # no room: skip this object
        ys, xs, sub, hit = placed
        k = len(full)
        if vis:
            lost = np.bincount(hit[hit >= 0], minlength=len(vis))
            vis = list(np.asarray(vis) - lost)
        region = canvas[ys, xs]
        colour_idx, colour = _pick_colour(rng, region[sub].mean(0),
                                          min_contrast)
        # shade the fill with a random linear gradient
        py, px = np.nonzero(sub)
        ang = rng.uniform(0, 2 * np.pi)
        g = px * np.cos(ang) + py * np.sin(ang)
        g = (g - g.mean()) / (np.abs(g - g.mean()).max() + 1e-6)
        shade = 1 + rng.uniform(0, 0.25) * g.astype(np.float32)
        region[py, px] = np.clip(colour * shade[:, None], 0, 255)
        owner[ys, xs][sub] = k
        n_pix = int(sub.sum())
        full.append(n_pix)
        vis.append(n_pix)
        labels.append(int(deck[j]))
        colours.append(colour_idx)

    for _ in range(int(over.sum())):
        kind = _CLUTTER_OVER[rng.integers(len(_CLUTTER_OVER))]
        m = _draw_clutter(canvas, kind, rng, min_contrast)
        owner[m] = -1

    # camera-ish finish: sometimes a slight blur, always some pixel noise
    if rng.random() < 0.3:
        canvas = cv2.GaussianBlur(canvas, (0, 0), rng.uniform(0.4, 0.8))
    # uniform pixel noise with standard deviation 0..8 (a third of the cost
    # of normal noise)
    sigma = np.float32(rng.uniform(0, 8) * np.sqrt(12))
    canvas += (rng.random(canvas.shape, np.float32) - np.float32(0.5)) * sigma
    image = np.clip(canvas + np.float32(0.5), 0, 255).astype(np.uint8)

    instances = []
    if full:
        vis_now = np.bincount(owner[owner >= 0], minlength=len(full))
        for k in range(len(full)):
            visibility = vis_now[k] / full[k]
            if visibility < min_visibility:
                owner[owner == k] = -1
                continue
            x, y, bw, bh = cv2.boundingRect((owner == k).astype(np.uint8))
            instances.append(
                dict(
                    label=labels[k],
                    bbox=[int(x), int(y), int(bw), int(bh)],
                    area=int(bw * bh),
                    visibility=float(visibility),
                    colour=colours[k],
                    index=k))
    return image, instances, owner


# ----------------------------------------------------------------------------
# Dataset
# ----------------------------------------------------------------------------
def _write_split(out_dir, split, split_code, num_images, seed, img_ext,
                 img_params, empty_frac, gen_kwargs, classes):
    img_dir = osp.join(out_dir, split)
    os.makedirs(img_dir, exist_ok=True)
    n_empty = 0
    if empty_frac > 0 and num_images > 1:
        n_empty = max(1, int(round(empty_frac * num_images)))
    split_rng = np.random.default_rng([seed, split_code, 1 << 30])
    empty = set(split_rng.choice(num_images, n_empty, replace=False).tolist())

    images, annotations = [], []
    for i in range(num_images):
        rng = np.random.default_rng([seed, split_code, i])
        image, instances, _ = generate_image(
            rng, num_objects=0 if i in empty else None, **gen_kwargs)
        file_name = f'{i + 1:06d}.{img_ext}'
        if not cv2.imwrite(osp.join(img_dir, file_name), image, img_params):
            raise IOError(f'could not write {osp.join(img_dir, file_name)}')
        img_id = i + 1
        images.append(
            dict(
                id=img_id,
                file_name=file_name,
                width=int(image.shape[1]),
                height=int(image.shape[0])))
        for inst in instances:
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=img_id,
                    category_id=inst['label'] + 1,
                    bbox=inst['bbox'],
                    area=inst['area'],
                    iscrowd=0))
    coco = dict(
        info=dict(
            description=f'hgd-mm synthetic mini dataset ({split})',
            version=str(GENERATOR_VERSION)),
        licenses=[],
        images=images,
        annotations=annotations,
        categories=[
            dict(id=i + 1, name=name, supercategory='shape')
            for i, name in enumerate(classes)
        ])
    ann_file = osp.join(out_dir, 'annotations', f'instances_{split}.json')
    with open(ann_file, 'w') as f:
        json.dump(coco, f, separators=(',', ':'))
    return ann_file, img_dir, _split_stats(coco, classes)


def _split_stats(coco: dict, classes: Sequence[str]) -> dict:
    per_class = {name: 0 for name in classes}
    per_bucket = {b: 0 for b in SIZE_BUCKETS}
    for ann in coco['annotations']:
        per_class[classes[ann['category_id'] - 1]] += 1
        per_bucket[coco_size_bucket(ann['area'])] += 1
    with_ann = {ann['image_id'] for ann in coco['annotations']}
    return dict(
        images=len(coco['images']),
        instances=len(coco['annotations']),
        empty_images=len(coco['images']) - len(with_ann),
        per_class=per_class,
        per_bucket=per_bucket)


def make_mini_dataset(out_dir: str,
                      num_train: int = 800,
                      num_val: int = 200,
                      img_size: int = 160,
                      seed: int = 0,
                      classes: Sequence[str] = DEFAULT_CLASSES,
                      min_objects: int = 1,
                      max_objects: int = 8,
                      empty_frac: float = 0.03,
                      size_probs: Sequence[float] = (0.4, 0.4, 0.2),
                      min_side: float = 10,
                      max_side_frac: float = 0.9,
                      max_clutter: int = 5,
                      min_visibility: float = 0.3,
                      truncate_prob: float = 0.1,
                      img_format: str = 'png',
                      jpeg_quality: int = 95,
                      overwrite: bool = False,
                      verbose: bool = False) -> dict:
    """Write the dataset to ``out_dir`` and return paths and statistics.

    Returns a dict with ``out_dir``, ``classes``, ``meta_file``, per split
    (``train``/``val``) a dict with ``ann_file``, ``img_dir``, ``data_prefix``
    (relative, for mmdet) and ``stats`` (``images``, ``instances``,
    ``empty_images``, ``per_class``, ``per_bucket``), and ``seconds``.

    Raises ``FileExistsError`` if an image folder already holds files, unless
    ``overwrite`` (then only this tool's ``*.png``/``*.jpg`` files there are
    removed first).
    """
    t0 = time.perf_counter()
    classes = tuple(classes)
    unknown = [c for c in classes if c not in SHAPES]
    if unknown or not classes or len(set(classes)) != len(classes):
        raise ValueError(f'classes must be distinct names from {SHAPES}, '
                         f'got {classes}')
    if int(seed) < 0:
        raise ValueError('seed must be >= 0')
    if not 1 <= min_objects <= max_objects:
        raise ValueError('need 1 <= min_objects <= max_objects')
    probs = np.asarray(size_probs, float)
    if probs.shape != (3, ) or (probs < 0).any() or probs.sum() <= 0:
        raise ValueError('size_probs must be 3 non-negative numbers')
    ranges = _side_ranges(img_size, min_side, max_side_frac)
    for i, b in enumerate(SIZE_BUCKETS):
        lo, hi = ranges[b]
        if probs[i] > 0 and lo > hi:
            raise ValueError(
                f'img_size={img_size} is too small for {b} objects '
                f'(box side {lo:.0f}..{hi:.0f} px); set its size_probs to 0')
    if img_format not in ('png', 'jpg'):
        raise ValueError("img_format must be 'png' or 'jpg'")
    img_params = ([cv2.IMWRITE_PNG_COMPRESSION, 1] if img_format == 'png' else
                  [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])

    for split in ('train', 'val'):
        img_dir = osp.join(out_dir, split)
        if osp.isdir(img_dir) and os.listdir(img_dir):
            if not overwrite:
                raise FileExistsError(
                    f'{img_dir} is not empty (pass overwrite=True / '
                    '--overwrite to replace the images there)')
            for name in os.listdir(img_dir):
                if name.endswith(('.png', '.jpg')):
                    os.remove(osp.join(img_dir, name))
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)

    gen_kwargs = dict(
        img_size=int(img_size),
        classes=classes,
        max_objects=int(max_objects),
        min_objects=int(min_objects),
        size_probs=tuple(float(p) for p in probs),
        min_side=float(min_side),
        max_side_frac=float(max_side_frac),
        max_clutter=int(max_clutter),
        min_visibility=float(min_visibility),
        truncate_prob=float(truncate_prob))
    result = dict(out_dir=out_dir, classes=list(classes))
    meta = dict(
        generator='hgd-mm tools/misc/make_mini_dataset.py',
        generator_version=GENERATOR_VERSION,
        classes=list(classes),
        seed=int(seed),
        img_size=int(img_size),
        num_train=int(num_train),
        num_val=int(num_val),
        img_format=img_format,
        jpeg_quality=int(jpeg_quality) if img_format == 'jpg' else None,
        empty_frac=float(empty_frac),
        side_ranges={b: [round(v, 3) for v in r]
                     for b, r in ranges.items()},
        params={
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in gen_kwargs.items() if k != 'classes'
        },
        splits={})
    for code, (split, n) in enumerate((('train', num_train), ('val',
                                                              num_val))):
        ann_file, img_dir, stats = _write_split(out_dir, split, code, int(n),
                                                int(seed), img_format,
                                                img_params, float(empty_frac),
                                                gen_kwargs, classes)
        result[split] = dict(
            ann_file=ann_file,
            img_dir=img_dir,
            data_prefix=f'{split}/',
            stats=stats)
        meta['splits'][split] = dict(
            ann_file=f'annotations/instances_{split}.json',
            img_dir=f'{split}/',
            **stats)
    meta_file = osp.join(out_dir, 'meta.json')
    with open(meta_file, 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    result['meta_file'] = meta_file
    result['seconds'] = time.perf_counter() - t0
    if verbose:
        print(format_summary(result))
    return result


def format_summary(result: dict) -> str:
    """A short text table: images, instances per class and per size bucket."""
    classes = result['classes']
    width = max(len(c) for c in classes + list(SIZE_BUCKETS)) + 2
    lines = [f"mini dataset in {result['out_dir']} "
             f"({result['seconds']:.1f} s)"]
    header = ' ' * width + ''.join(f'{s:>14}' for s in ('train', 'val'))
    lines.append(header)

    def row(name, key, sub=None):
        cells = []
        for split in ('train', 'val'):
            st = result[split]['stats']
            value = st[key] if sub is None else st[key][sub]
            if sub is not None and st['instances']:
                pct = 100 * value / st['instances']
                cells.append(f'{value:>6} ({pct:4.1f}%)')
            else:
                cells.append(f'{value:>14}')
        return f'{name:<{width}}' + ''.join(f'{c:>14}' for c in cells)

    lines.append(row('images', 'images'))
    lines.append(row('empty', 'empty_images'))
    lines.append(row('instances', 'instances'))
    lines.append('per class:')
    lines += [row('  ' + c, 'per_class', c) for c in classes]
    lines.append('per COCO size bucket:')
    lines += [row('  ' + b, 'per_bucket', b) for b in SIZE_BUCKETS]
    return '\n'.join(lines)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Make a deterministic synthetic COCO-format detection '
        'dataset (shapes on textured, cluttered backgrounds).')
    p.add_argument('out_dir', help='output folder')
    p.add_argument('--num-train', type=int, default=800)
    p.add_argument('--num-val', type=int, default=200)
    p.add_argument('--img-size', type=int, default=160,
                   help='square image side in pixels')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--classes', nargs='+', default=list(DEFAULT_CLASSES),
                   choices=SHAPES, metavar='NAME',
                   help=f'subset/order of {", ".join(SHAPES)}')
    p.add_argument('--min-objects', type=int, default=1)
    p.add_argument('--max-objects', type=int, default=8)
    p.add_argument('--empty-frac', type=float, default=0.03,
                   help='fraction of images with no objects')
    p.add_argument('--size-probs', type=float, nargs=3,
                   default=[0.4, 0.4, 0.2],
                   metavar=('SMALL', 'MEDIUM', 'LARGE'),
                   help='probabilities of drawing a COCO small/medium/large '
                   'object')
    p.add_argument('--min-side', type=float, default=10,
                   help='smallest object box side in pixels')
    p.add_argument('--max-side-frac', type=float, default=0.9,
                   help='largest object box side as a fraction of img-size')
    p.add_argument('--max-clutter', type=int, default=5,
                   help='most distractors per image')
    p.add_argument('--min-visibility', type=float, default=0.3,
                   help='drop objects with less of their pixels visible')
    p.add_argument('--truncate-prob', type=float, default=0.1,
                   help='probability that an object may be cut by the border')
    p.add_argument('--img-format', choices=('png', 'jpg'), default='png')
    p.add_argument('--jpeg-quality', type=int, default=95)
    p.add_argument('--overwrite', action='store_true',
                   help='replace the images of an earlier run')
    p.add_argument('--quiet', action='store_true', help='no summary')
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    return make_mini_dataset(
        args.out_dir,
        num_train=args.num_train,
        num_val=args.num_val,
        img_size=args.img_size,
        seed=args.seed,
        classes=args.classes,
        min_objects=args.min_objects,
        max_objects=args.max_objects,
        empty_frac=args.empty_frac,
        size_probs=args.size_probs,
        min_side=args.min_side,
        max_side_frac=args.max_side_frac,
        max_clutter=args.max_clutter,
        min_visibility=args.min_visibility,
        truncate_prob=args.truncate_prob,
        img_format=args.img_format,
        jpeg_quality=args.jpeg_quality,
        overwrite=args.overwrite,
        verbose=not args.quiet)


if __name__ == '__main__':
    main()
