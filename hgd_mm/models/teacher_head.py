"""The teacher's dense head, run on features the distiller holds: where the
teacher looks (its per-position class confidence) and what it makes of the
student's features (cross-head mimicry).

A one-stage detector's ``bbox_head`` (RetinaNet, FCOS, GFL, ATSS) and a
two-stage detector's ``rpn_head`` (Faster R-CNN) are dense heads whose
forward returns the per-level class logits first, (B, A * C, H, W) for
each FPN level.
"""
from typing import List, Optional, Sequence

import torch
from torch import nn

__all__ = [
    'dense_head_of', 'dense_class_logits', 'softmax_channels',
    'confidence_maps'
]


def dense_head_of(detector: nn.Module) -> nn.Module:
    """The detector's dense head: ``rpn_head`` of a two-stage detector,
    else ``bbox_head``."""
    for name in ('rpn_head', 'bbox_head'):
        head = getattr(detector, name, None)
        if isinstance(head, nn.Module):
            return head
    raise TypeError(
        f'{type(detector).__name__} has no dense head (bbox_head or '
        f'rpn_head): the teacher-head options of HGDDistiller need one. '
        f'Switch them off for this teacher: micro=dict(teacher_share=0.0) '
        f'(on by default) and cross_head=None.')


def dense_class_logits(head: nn.Module,
                       features: Sequence[torch.Tensor]) -> List[torch.Tensor]:
    """Per-level (B, A * C, H, W) class logits of ``head`` on ``features``
    (one map per FPN level, as the detector's neck gives them)."""
    outputs = head(tuple(features))
    logits = list(outputs[0])
    if len(logits) != len(features):
        raise ValueError(
            f'{type(head).__name__} returned {len(logits)} class-logit maps '
            f'for {len(features)} feature levels; HGD reads the first output '
            f'of a dense head as its per-level class logits.')
    return logits


def softmax_channels(head: nn.Module) -> Optional[int]:
    """None for a sigmoid head (``use_sigmoid_cls``: every anchor and class
    a Bernoulli), else its ``cls_out_channels`` (a softmax head, SSD or a
    softmax RPN: each anchor's logits a categorical over classes +
    background, mmdet puts the background last).

    Raises:
        TypeError: the head does not say which (no ``use_sigmoid_cls``).
    """
    if not hasattr(head, 'use_sigmoid_cls'):
        raise TypeError(
            f'{type(head).__name__} does not say whether its class scores '
            f'are sigmoids or a softmax (no use_sigmoid_cls), so HGD cannot '
            f'read where the teacher looks. Switch the teacher-head options '
            f'of HGDDistiller off for this teacher: '
            f'micro=dict(teacher_share=0.0) and cross_head=None.')
    return None if head.use_sigmoid_cls else head.cls_out_channels


def confidence_maps(logits: Sequence[torch.Tensor],
                    head: nn.Module) -> List[torch.Tensor]:
    """Per level (B, H, W): the highest foreground class probability over
    every anchor and class at each position, detached.

    A sigmoid head's (``use_sigmoid_cls``) probabilities are the sigmoids of
    its logits; a softmax head's (SSD, a softmax RPN) are each anchor's
    softmax over its ``cls_out_channels`` = classes + background, the
    background column (mmdet puts it last) left out: its sigmoid would read
    the background score as confidence (:func:`softmax_channels`).

    Args:
        logits: per-level (B, A * cls_out_channels, H, W) class logits of
            ``head`` (:func:`dense_class_logits`).
        head: the dense head that made them.
    """
    channels = softmax_channels(head)
    if channels is None:
        return [level.detach().float().sigmoid().amax(dim=1)
                for level in logits]
    maps = []
    for level in logits:
        b, ac, h, w = level.shape
        scores = level.detach().float().reshape(b, ac // channels, channels,
                                                h, w).softmax(dim=2)
        maps.append(scores[:, :, :-1].amax(dim=(1, 2)))
    return maps
