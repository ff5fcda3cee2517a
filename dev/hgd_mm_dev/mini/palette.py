"""The colour palette shared by objects and clutter, and how a colour is
chosen: only by contrast with what lies beneath, so colour carries no class
information."""
from typing import Tuple

import numpy as np

__all__ = ['PALETTE', 'pick_colour']

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


def pick_colour(rng: np.random.Generator, under_mean: np.ndarray,
                min_contrast: float) -> Tuple[int, np.ndarray]:
    """A jittered palette colour chosen only by contrast with what is under."""
    dist = np.linalg.norm(PALETTE - under_mean, axis=1)
    ok = np.flatnonzero(dist >= min_contrast)
    idx = int(rng.choice(ok)) if ok.size else int(dist.argmax())
    colour = PALETTE[idx] + rng.uniform(-15, 15, 3).astype(np.float32)
    return idx, np.clip(colour, 0, 255)
