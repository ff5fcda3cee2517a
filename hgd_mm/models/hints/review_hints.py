"""Review-style guidance of the backbone hierarchy (ReviewKD, Chen et al.,
CVPR 2021): the student's stages fused top-down, each fused map compared
with the teacher's stage of its stride by the hierarchical context loss.

A per-stage MSE asks a shallow student stage to reproduce the teacher's
shallow stage from its own, weaker features alone. Here the guidance of a
shallow stage is given to a fusion of that stage with the student's deeper
ones (attention-based fusion, ABF): a teacher stage is matched by what the
student's whole hierarchy above it can make, and the error is measured at
full resolution and on pooled context (HCL), not position by position only.
Only the stages the neck reads are reviewed (C3-C5 under an FPN with
``start_level=1``).
"""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from torch import nn

from mmrazor.registry import MODELS
from ..losses import HierarchicalContextLoss
from ..stages import Stage
from .read_stages import student_stages_for

__all__ = ['AttentionFusion', 'ReviewHints']


class AttentionFusion(nn.Module):
    """ReviewKD's ABF: a stage projected to ``mid_channels``, fused with the
    (upsampled) fusion of the deeper stages by two per-position attention
    maps, then mapped to the teacher's channels.

    Args:
        in_channels: the student stage's channels.
        mid_channels: channels of the fused maps passed down.
        out_channels: the teacher stage's channels.
        fuse: whether a deeper fusion comes in (False for the deepest).
        norm_cfg: norm after each conv. Defaults to BN.
    """

    def __init__(self, in_channels: int, mid_channels: int,
                 out_channels: int, fuse: bool,
                 norm_cfg: dict = dict(type='BN')) -> None:
        super().__init__()
        self.project = ConvModule(in_channels, mid_channels, 1,
                                  norm_cfg=norm_cfg, act_cfg=None)
        self.output = ConvModule(mid_channels, out_channels, 3, padding=1,
                                 norm_cfg=norm_cfg, act_cfg=None)
        self.attention = (nn.Conv2d(2 * mid_channels, 2, 1)
                          if fuse else None)

    def forward(
        self, feature: torch.Tensor, deeper: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns the output in the teacher's channels and the fused map
        to pass to the next shallower stage."""
        fused = self.project(feature)
        if self.attention is not None:
            if deeper is None:
                raise ValueError('AttentionFusion(fuse=True) needs the '
                                 'deeper stages\' fusion')
            deeper = F.interpolate(deeper, size=fused.shape[-2:],
                                   mode='nearest')
            weights = torch.sigmoid(
                self.attention(torch.cat([fused, deeper], dim=1)))
            fused = fused * weights[:, :1] + deeper * weights[:, 1:]
        return self.output(fused), fused


@MODELS.register_module()
class ReviewHints(nn.Module):
    """Top-down fusion of the student's backbone stages the teacher's neck
    reads, one hierarchical-context term per stage.

    Per step, from the deepest reviewed stage to the shallowest:
    ``O_i, F_i = ABF_i(S_i, F_{i+1})`` and
    ``L_i = HCL(norm(O_i), norm(T_i))``, ``norm`` the distiller's backbone
    normalisation, ``T_i`` the teacher's backbone output of the stride of
    ``S_i``. The fusions are trained with the student and not exported.

    Args:
        student_stages: the student's backbone stages.
        teacher_stages: the teacher's backbone stages (every output).
        slots: indices of the teacher's backbone outputs its neck reads
            (:func:`.neck_input_slots`): the stages reviewed.
        mid_channels: channels of the fused maps; None (default): the
            fewest channels of the reviewed teacher stages.
        grids: the pooled grids of the context loss. Defaults to (4, 2, 1).
        norm_cfg: norm of the fusions' convs. Defaults to BN.
    """
    #: The distiller normalises both sides with its backbone normalisation.
    compares = 'backbone'

    def __init__(self,
                 student_stages: Sequence[Stage],
                 teacher_stages: Sequence[Stage],
                 slots: Sequence[int],
                 mid_channels: Optional[int] = None,
                 grids: Sequence[int] = (4, 2, 1),
                 norm_cfg: dict = dict(type='BN')) -> None:
        super().__init__()
        students = student_stages_for('ReviewHints', student_stages,
                                      teacher_stages, slots)
        self.slots = list(slots)
        self.sources: List[Tuple[str, str]] = [
            (student.name, teacher_stages[i].name)
            for student, i in zip(students, self.slots)
        ]
        self.keys = [teacher_stages[i].key for i in self.slots]
        mid = mid_channels or min(teacher_stages[i].channels
                                  for i in self.slots)
        deepest = len(self.slots) - 1
        self.fusions = nn.ModuleList([
            AttentionFusion(student.channels, mid, teacher_stages[i].channels,
                            fuse=k != deepest, norm_cfg=norm_cfg)
            for k, (student, i) in enumerate(zip(students, self.slots))
        ])
        self.context_loss = HierarchicalContextLoss(grids)

    def term_keys(self, teacher_levels: Sequence[Stage]) -> List[str]:
        """One term per reviewed stage, named by the teacher stage."""
        return list(self.keys)

    def forward(self, student: Dict[str, torch.Tensor],
                teacher: Dict[str, torch.Tensor], teacher_neck: nn.Module,
                normalize: Callable[[torch.Tensor], torch.Tensor],
                num_levels: int) -> List[torch.Tensor]:
        """
        Args:
            student: stage name -> recorded student feature.
            teacher: stage name -> recorded teacher feature.
            teacher_neck: unused (the hint interface of the distiller).
            normalize: the backbone normalisation of both sides.
            num_levels: unused.

        Returns:
            one loss per reviewed stage, in ``slots`` order, fp32.
        """
        losses: List[Optional[torch.Tensor]] = [None] * len(self.slots)
        deeper: Optional[torch.Tensor] = None
        device = next(iter(student.values())).device.type
        with torch.autocast(device_type=device, enabled=False):
            for k in reversed(range(len(self.slots))):
                s_name, t_name = self.sources[k]
                output, deeper = self.fusions[k](student[s_name].float(),
                                                 deeper)
                with torch.no_grad():
                    target = normalize(teacher[t_name].detach().float())
                if output.shape[-2:] != target.shape[-2:]:
                    output = F.interpolate(output, size=target.shape[-2:],
                                           mode='bilinear',
                                           align_corners=False)
                losses[k] = self.context_loss(normalize(output), target)
        return losses
