"""One image: background, clutter, objects with occlusion, camera noise.

Objects are drawn in order onto an owner map (the index of the object that
owns each pixel, -1 for none). A placement is retried (up to
``MAX_PLACE_TRIES``) if it would leave an earlier object with less than
``min_visibility + 0.05`` of its pixels visible. Clutter may be drawn over
the objects too; at the end an object whose visible fraction is below
``min_visibility`` is dropped from the annotations (it stays drawn). Boxes are
tight around the *visible* pixels (from the owner map, like COCO boxes come
from visible masks).
"""
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .clutter import CLUTTER_OVER, CLUTTER_UNDER, draw_clutter
from .palette import pick_colour
from .params import MiniDatasetParams
from .shapes import make_shape_mask
from .sizes import SIZE_BUCKETS
from .textures import background, pixel_grid

__all__ = ['MIN_CONTRAST', 'MAX_PLACE_TRIES', 'generate_image']

#: Least distance (BGR) between a colour and the mean of what lies beneath.
MIN_CONTRAST = 70.0
MAX_PLACE_TRIES = 15


def generate_image(
    rng: np.random.Generator,
    params: MiniDatasetParams = MiniDatasetParams(),
    num_objects: Optional[int] = None
) -> Tuple[np.ndarray, List[dict], np.ndarray]:
    """Draw one image.

    Returns ``(image, instances, owner)``: the HxWx3 uint8 BGR image, the kept
    instances (dicts with ``label`` (index into ``classes``), ``bbox``
    ``[x, y, w, h]`` (ints), ``area``, ``visibility``, ``colour`` (palette
    index) and ``index`` (draw order, the value of its pixels in ``owner``)),
    and the HxW int16 owner map (-1 where no object is visible).

    Args:
        rng: this image's own generator (nothing else is random).
        params: the fields marked ``image`` are read.
        num_objects: objects to draw; drawn from ``params`` when None.
    """
    h = w = int(params.img_size)
    yy, xx = pixel_grid(h, w)
    canvas = background(rng, h, w, xx, yy)
    owner = np.full((h, w), -1, np.int16)

    n_clutter = int(rng.integers(0, params.max_clutter + 1))
    over = rng.random(n_clutter) < 0.25
    for _ in range(int((~over).sum())):
        kind = CLUTTER_UNDER[rng.integers(len(CLUTTER_UNDER))]
        draw_clutter(canvas, kind, rng, MIN_CONTRAST)

    if num_objects is None:
        num_objects = int(rng.integers(params.min_objects, params.max_objects + 1))
    ranges = params.side_ranges()
    max_side = params.max_side_frac * params.img_size
    probs = np.asarray(params.size_probs, float)
    deck = np.concatenate([
        rng.permutation(len(params.classes))
        for _ in range(-(-num_objects // len(params.classes)))
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
        mask = make_shape_mask(params.classes[deck[j]], sides[j], max_side, rng)
        ph, pw = mask.shape
        truncate = rng.random() < params.truncate_prob
        placed = None
        for _ in range(MAX_PLACE_TRIES):
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
                if np.any(after < (params.min_visibility + 0.05) * np.asarray(full)):
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
        colour_idx, colour = pick_colour(rng, region[sub].mean(0),
                                          MIN_CONTRAST)
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
        kind = CLUTTER_OVER[rng.integers(len(CLUTTER_OVER))]
        m = draw_clutter(canvas, kind, rng, MIN_CONTRAST)
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
            if visibility < params.min_visibility:
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
