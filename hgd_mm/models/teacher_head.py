"""The teacher's dense head, run on features the distiller holds: where the
teacher looks (its per-position class confidence) and what it makes of the
student's features (cross-head mimicry).

A one-stage detector's ``bbox_head`` (RetinaNet, FCOS, GFL, ATSS) and a
two-stage detector's ``rpn_head`` (Faster R-CNN) are dense heads whose
forward returns the per-level class logits first, (B, A * C, H, W) for
each FPN level.
"""
from typing import List, Sequence

import torch
from torch import nn

__all__ = ['dense_head_of', 'dense_class_logits', 'confidence_maps']


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


def confidence_maps(logits: Sequence[torch.Tensor]) -> List[torch.Tensor]:
    """Per level (B, H, W): the highest class probability over every anchor
    and class at each position (sigmoid heads), detached."""
    return [level.detach().float().sigmoid().amax(dim=1) for level in logits]
