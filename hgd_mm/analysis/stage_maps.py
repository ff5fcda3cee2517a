"""Per stage pair, the maps behind its loss, for pictures."""
from typing import Dict

import torch

from ..models import HGDDistiller
from ..models.losses import spatial_attention

__all__ = ['stage_maps']


@torch.no_grad()
def stage_maps(distiller: HGDDistiller, image: int = 0) -> Dict[str, dict]:
    """W, the raw spatial attention of teacher and student (mean_c F^2),
    the imitation error and L_k of every stage pair.

    Read from the distiller's own :meth:`HGDDistiller.recorded_stage_terms`,
    i.e. from the features and inputs its recorders hold after a loss call,
    so the maps are those the loss used.

    Args:
        distiller: a prepared ``HGDDistiller`` after a loss forward.
        image: which image of the batch to return maps of. Defaults to 0.

    Returns:
        Per student stage key (e.g. ``'neck_0'``): ``title``, (H, W) maps
        ``weights``, ``teacher_attention``, ``student_attention`` and
        ``error`` (mean_c (S^ - T^)^2), and ``loss`` (L_k of the batch).
    """
    maps = {}
    for (student, teacher), terms in zip(distiller.pairs,
                                         distiller.recorded_stage_terms()):
        size = tuple(terms.teacher.shape[-2:])
        teacher_attention = spatial_attention(terms.teacher_raw).reshape(
            -1, *size)
        weights = terms.weights
        if weights is None:  # what the loss uses without micro weights
            weights = torch.full_like(teacher_attention,
                                      1.0 / teacher_attention[0].numel())
        maps[student.key] = dict(
            title=f'{student.name} -> teacher {teacher.name} '
            f'(stride {teacher.stride}, {size})',
            weights=weights[image],
            teacher_attention=teacher_attention[image],
            student_attention=spatial_attention(
                terms.student_raw).reshape(-1, *size)[image],
            error=(terms.student - terms.teacher).pow(2).mean(dim=1)[image],
            loss=float(terms.loss))
    return maps
