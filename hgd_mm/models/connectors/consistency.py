"""Parameter-free consistency normalisation applied to both sides of a pair.

Both the aligned student map and the teacher map pass through the same
normalisation before they are compared, so that stages whose magnitudes
differ by orders (C2 vs C5, ResNet vs MobileNet) are compared on pattern, not
scale.
"""
from typing import Callable, Dict, Optional

import torch
import torch.nn.functional as F


def standardize_channels(feature: torch.Tensor,
                         eps: float = 1e-5) -> torch.Tensor:
    """Per-channel standardisation over H x W: zero mean, unit variance.

    A 1 x 1 map (P6/P7 of a small image) has no spatial statistics: every
    value would standardise to 0 and the stage would teach nothing. There the
    statistics are taken over the batch as well (B x H x W, as PKD does for
    every map), which the method text leaves open.
    """
    # instance_norm / batch_norm without affine compute exactly
    # (x - mean) / sqrt(biased var + eps) in fused kernels, faster on CPU
    # than mean() and var(), forward and backward.
    if feature.shape[2] * feature.shape[3] > 1:
        return F.instance_norm(feature, eps=eps)
    return standardize_channels_over_batch(feature, eps)


def standardize_channels_over_batch(feature: torch.Tensor,
                                    eps: float = 1e-5) -> torch.Tensor:
    """Per-channel standardisation over B x H x W (the batch as well).

    Unlike :func:`standardize_channels`, this keeps the differences between
    images: how strongly a channel fires in one image compared with the
    others (e.g. whether an object of some kind is there at all) survives,
    and the student is asked to reproduce it. PKD normalises this way.

    With one value per channel (B x H x W = 1: one image's 1 x 1 level)
    ``batch_norm`` refuses to run in training mode; the standardisation
    of a single value is 0 (it is its own mean), with no gradient, and
    that is what this returns there.
    """
    if feature.shape[0] * feature.shape[2] * feature.shape[3] > 1:
        return F.batch_norm(feature, None, None, training=True, eps=eps)
    centred = feature - feature.mean(dim=(0, 2, 3), keepdim=True)
    return centred * torch.rsqrt(
        centred.pow(2).mean(dim=(0, 2, 3), keepdim=True) + eps)


def standardize_stage(feature: torch.Tensor,
                      eps: float = 1e-5) -> torch.Tensor:
    """Per-channel centring, one scale per stage: ``(x - mu_c) /
    sqrt(mean_c var_c + eps)``, statistics over B x H x W.

    Every channel keeps its share of the stage's variance: a near-silent
    post-ReLU channel stays near 0 instead of being inflated to unit
    variance, so it weighs in the comparison by what it carries (HGD v3,
    for backbone stages, whose channels differ in activity by orders).
    """
    centred = feature - feature.mean(dim=(0, 2, 3), keepdim=True)
    scale = centred.pow(2).mean(dim=(0, 1, 2, 3), keepdim=True)
    return centred * torch.rsqrt(scale + eps)


def identity(feature: torch.Tensor) -> torch.Tensor:
    """No normalisation (``'none'``)."""
    return feature


NORMALIZATIONS: Dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    'channel_std': standardize_channels,
    'batch_channel_std': standardize_channels_over_batch,
    'stage_std': standardize_stage,
    'none': identity,
}


def get_normalization(
        name: Optional[str]) -> Callable[[torch.Tensor], torch.Tensor]:
    """The normalisation called ``name``: ``'batch_channel_std'`` (the
    distiller's default), ``'channel_std'``, ``'stage_std'``, or
    ``'none'``/None."""
    key = 'none' if name is None else name
    if key not in NORMALIZATIONS:
        raise ValueError(
            f'normalization={name!r} is unknown: use one of '
            f'{sorted(NORMALIZATIONS)} (or None).')
    return NORMALIZATIONS[key]
