"""The hierarchical context loss of ReviewKD (Chen et al., CVPR 2021): a
mean squared error at full resolution and between average-pooled maps of
a few grid sizes, so that a student map is judged on its local detail and
on the context around it."""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mmrazor.registry import MODELS

__all__ = ['HierarchicalContextLoss']


@MODELS.register_module()
class HierarchicalContextLoss(nn.Module):
    """``(MSE(S, T) + sum_j w_j MSE(pool_j(S), pool_j(T))) / (1 + sum_j w_j)``
    with ``w_j = 2^-(j+1)`` and ``pool_j`` the adaptive average pooling to
    the j-th grid (``g x g``); grids not smaller than the map are left out
    (they would repeat the full-resolution term). ReviewKD's defaults.

    Args:
        grids: the pooled grid sizes, finest first. Defaults to (4, 2, 1).
    """

    def __init__(self, grids: Sequence[int] = (4, 2, 1)) -> None:
        super().__init__()
        if not grids or any(int(g) < 1 for g in grids):
            raise ValueError(f'HierarchicalContextLoss: grids={grids!r}: '
                             f'give grid sizes >= 1, e.g. (4, 2, 1).')
        self.grids = tuple(int(g) for g in grids)

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """
        Args:
            student: (B, C, H, W), the side that learns.
            teacher: (B, C, H, W), the target (not differentiated).

        Returns:
            the scalar loss, in the dtype of the inputs.
        """
        if student.shape != teacher.shape:
            raise ValueError(
                f'HierarchicalContextLoss: student {tuple(student.shape)} '
                f'and teacher {tuple(teacher.shape)} differ; align them '
                f'first.')
        teacher = teacher.detach()
        loss = F.mse_loss(student, teacher)
        total, weight = 1.0, 1.0
        height = student.shape[-2]
        for grid in self.grids:
            if grid >= height:
                continue
            weight /= 2.0
            loss = loss + weight * F.mse_loss(
                F.adaptive_avg_pool2d(student, grid),
                F.adaptive_avg_pool2d(teacher, grid))
            total += weight
        return loss / total
