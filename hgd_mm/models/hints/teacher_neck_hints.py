"""Function-consistent hints: the student's backbone stages, bridged to the
teacher's channels, run through the teacher's frozen neck and are compared
where the neck levels are compared.

A per-stage MSE asks every channel of a student stage to copy the teacher's;
here a student stage is judged by what the teacher's own later layer (its
neck) makes of it, so only what the teacher reads is penalised: a
direction the teacher's lateral convolutions ignore costs nothing (the
idea of FCFD, Liu et al., ICLR 2023, with the neck as the later layers).
Stages the neck never reads (C2 under an FPN with ``start_level=1``) are
not bridged at all.
"""
from typing import Callable, List, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from torch import nn

from mmrazor.registry import MODELS
from ..stages import Stage
from .read_stages import student_stages_for

__all__ = ['TeacherNeckHints']


@MODELS.register_module()
class TeacherNeckHints(nn.Module):
    """Bridges from student backbone stages to the teacher neck's inputs,
    and the hint loss of each teacher neck level.

    Per step: ``T_neck(b_1(S_1), ..., b_n(S_n))`` where ``b_i`` is a 1x1
    ConvModule (conv, BN, ReLU: the teacher's backbone outputs are post-ReLU)
    from the student stage of the same stride as the teacher's backbone
    output ``i``, for every output the neck reads (the others get the
    teacher's own, detached, and are not read); each resulting level is
    compared with the teacher's own neck level by the distiller's
    consistency normalisation and a mean squared error.

    Args:
        student_stages: the student's backbone stages.
        teacher_stages: the teacher's backbone stages (every output, in
            order: the neck's inputs).
        slots: the indices of the teacher's backbone outputs its neck reads
            (:func:`neck_input_slots`).
        norm_cfg: norm of the bridges. Defaults to BN.
    """
    #: Compared where the neck levels are: the distiller's normalisation.
    compares = 'neck'

    def __init__(self,
                 student_stages: Sequence[Stage],
                 teacher_stages: Sequence[Stage],
                 slots: Sequence[int],
                 norm_cfg: dict = dict(type='BN')) -> None:
        super().__init__()
        students = student_stages_for('TeacherNeckHints', student_stages,
                                      teacher_stages, slots)
        self.slots = list(slots)
        self.num_inputs = len(teacher_stages)
        self.sources: List[Tuple[str, str]] = [
            (student.name, teacher_stages[i].name)
            for student, i in zip(students, self.slots)
        ]
        self.bridges = nn.ModuleList([
            ConvModule(student.channels, teacher_stages[i].channels, 1,
                       norm_cfg=norm_cfg)
            for student, i in zip(students, self.slots)
        ])

    def term_keys(self, teacher_levels: Sequence[Stage]) -> List[str]:
        """One term per teacher neck level (``hint_<level>``)."""
        return [str(level.index) for level in teacher_levels]

    def forward(self, student: dict, teacher: dict, teacher_neck: nn.Module,
                normalize: Callable[[torch.Tensor], torch.Tensor],
                num_levels: int) -> List[torch.Tensor]:
        """
        Args:
            student: stage name -> recorded student feature.
            teacher: stage name -> recorded teacher feature (backbone
                outputs ``backbone.i`` and neck levels ``neck.l``).
            teacher_neck: the teacher's (frozen) neck.
            normalize: the consistency normalisation of both sides.
            num_levels: the number of teacher neck levels.

        Returns:
            one hint loss per teacher neck level, fp32.
        """
        inputs = [teacher[f'backbone.{i}'].detach()
                  for i in range(self.num_inputs)]
        with torch.autocast(device_type=inputs[0].device.type, enabled=False):
            for slot, (s_name, _), bridge in zip(self.slots, self.sources,
                                                 self.bridges):
                bridged = bridge(student[s_name].float())
                target = inputs[slot]
                if bridged.shape[-2:] != target.shape[-2:]:
                    bridged = F.interpolate(bridged, size=target.shape[-2:],
                                            mode='bilinear',
                                            align_corners=False)
                inputs[slot] = bridged
            levels = teacher_neck([x.float() for x in inputs])
            if isinstance(levels, torch.Tensor):
                levels = (levels, )
            losses = []
            for index in range(num_levels):
                with torch.no_grad():
                    target = normalize(teacher[f'neck.{index}'].detach()
                                       .float())
                losses.append(
                    F.mse_loss(normalize(levels[index]), target))
        return losses
