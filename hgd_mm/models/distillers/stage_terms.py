"""What the HGD loss of one stage pair is made of, computed in one place.

The distiller's loss and the analysis pictures (``hgd_mm.analysis``) both call
:func:`stage_terms`, so a picture shows exactly what the loss saw.
"""
from typing import Callable, List, NamedTuple, Optional, Sequence

import torch
from torch import nn

from ..weighting import teacher_saliency

__all__ = ['StageTerms', 'stage_terms']


class StageTerms(NamedTuple):
    """The terms of one stage pair's imitation loss L_k, all fp32.

    Args:
        student: S^ = normalize(connector(S)), (B, C, H, W), with gradient.
        teacher: T^ = normalize(T), (B, C, H, W), detached.
        student_raw: connector(S) before normalisation, with gradient.
        teacher_raw: T before normalisation, detached.
        weights: micro weights W (B, H, W), or None when positions are
            weighted uniformly (no micro re-weighting configured).
        teacher_saliency: the raw teacher's ``mean_c |T|`` (B, H, W) when the
            micro weights needed it, else None.
        loss: L_k, a scalar.
    """
    student: torch.Tensor
    teacher: torch.Tensor
    student_raw: torch.Tensor
    teacher_raw: torch.Tensor
    weights: Optional[torch.Tensor]
    teacher_saliency: Optional[torch.Tensor]
    loss: torch.Tensor


def stage_terms(student: torch.Tensor, teacher: torch.Tensor,
                connector: nn.Module,
                normalize: Callable[[torch.Tensor], torch.Tensor],
                imitation_loss: nn.Module, micro: Optional[nn.Module],
                gt_boxes: List[torch.Tensor],
                input_size: Sequence[int],
                confidence: Optional[torch.Tensor] = None) -> StageTerms:
    """Align, normalise, weight and compare one stage pair.

    Runs in fp32 whatever the autocast context: the stage statistics and the
    squared errors lose too much in bf16.

    Args:
        student: the student stage (B, Cs, Hs, Ws).
        teacher: its paired teacher stage (B, Ct, Ht, Wt).
        connector: the pair's connector, mapping Cs x Hs x Ws to the teacher.
        normalize: the consistency normalisation of both sides.
        imitation_loss: a ``HandsOnImitationLoss``.
        micro: a ``MicroReweighting``, or None for uniform weights.
        gt_boxes: per image (Ni, 4) xyxy boxes in input pixels (read by
            the micro weights only).
        input_size: (H, W) of the batch input.
        confidence: the teacher head's confidence on the teacher stage's
            grid (B, Ht, Wt), for the micro weights; None when not used or
            the stage is no head level.
    """
    with torch.autocast(device_type=student.device.type, enabled=False):
        aligned = connector(student.float(), teacher.shape[-2:])
        student_hat = normalize(aligned)
        weights = saliency = None
        with torch.no_grad():  # the teacher side is a constant target
            teacher_raw = teacher.detach().float()
            teacher_hat = normalize(teacher_raw)
            if micro is not None:
                if micro.needs_saliency:
                    saliency = teacher_saliency(teacher_raw)
                weights = micro(gt_boxes, input_size, teacher.shape[-2:],
                                saliency, confidence)
        loss = imitation_loss(student_hat, teacher_hat, weights, aligned,
                              teacher_raw)
    return StageTerms(student_hat, teacher_hat, aligned, teacher_raw, weights,
                      saliency, loss)
