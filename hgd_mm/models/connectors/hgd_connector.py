"""Correspondence connector: channel and spatial alignment of a student
stage."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import nn

from mmrazor.registry import MODELS


@MODELS.register_module()
class HGDConnector(BaseModule):
    """Map a student stage onto its teacher stage's channels and grid.

    A learnable 1x1 convolution maps ``student_channels`` to
    ``teacher_channels`` (optionally followed by a norm layer); where the grids
    differ, the map is resized bilinearly to the teacher's size. The connector
    trains with the student and is dropped when the student is exported.

    By default a stage whose channel count already equals the teacher's is
    compared as it is (no projection): a learnable projection there lets the
    student's own features drift from the teacher's, with the connector
    absorbing the difference, and this is how MMRazor's PKD, CWD and MGD
    compare equally wide FPNs.

    Args:
        student_channels: channels of the student stage.
        teacher_channels: channels of the paired teacher stage.
        norm_cfg: optional norm layer after the projection, e.g.
            ``dict(type='BN')``. Defaults to None.
        bias: whether the projection has a bias (never with a norm layer).
            The distiller turns it off when its consistency normalisation
            subtracts the per-channel mean, which would cancel the bias and
            leave it a parameter that never trains. Defaults to True.
        project: whether to project; None (default) projects only when the
            channel counts differ.
        init_cfg: mmengine init config.
    """

    def __init__(self,
                 student_channels: int,
                 teacher_channels: int,
                 norm_cfg: Optional[dict] = None,
                 bias: bool = True,
                 project: Optional[bool] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if project is None:
            project = student_channels != teacher_channels
        if not project and student_channels != teacher_channels:
            raise ValueError(
                f'HGDConnector: project=False needs equal channel counts, got '
                f'student {student_channels} and teacher {teacher_channels}; '
                f'leave project=None to project where they differ.')
        self.projection = (nn.Conv2d(
            student_channels,
            teacher_channels,
            1,
            bias=bias and norm_cfg is None) if project else nn.Identity())
        self.norm = (build_norm_layer(norm_cfg, teacher_channels)[1]
                     if norm_cfg is not None and project else nn.Identity())

    def forward(self,
                student_feature: torch.Tensor,
                target_size: Optional[Sequence[int]] = None) -> torch.Tensor:
        """Align ``student_feature`` (B, Cs, Hs, Ws) to (B, Ct,
        *target_size)."""
        size = tuple(student_feature.shape[-2:])
        if target_size is None or tuple(target_size) == size:
            return self.norm(self.projection(student_feature))
        target_size = tuple(target_size)
        # A 1x1 conv and a bilinear resize commute (both are linear and the
        # resize weights sum to 1), so project at the smaller of the two grids.
        if size[0] * size[1] > target_size[0] * target_size[1]:
            resized = F.interpolate(student_feature, size=target_size,
                                    mode='bilinear', align_corners=False)
            return self.norm(self.projection(resized))
        projected = self.projection(student_feature)
        resized = F.interpolate(projected, size=target_size, mode='bilinear',
                                align_corners=False)
        return self.norm(resized)
