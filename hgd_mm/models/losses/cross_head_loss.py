"""Cross-head mimicry: the student's FPN levels through the teacher's head,
compared with what the teacher's head makes of its own levels."""
from typing import List, Optional, Sequence

import torch
from torch import nn

from mmrazor.registry import MODELS

__all__ = ['CrossHeadLoss', 'bernoulli_hellinger', 'categorical_hellinger']


def bernoulli_hellinger(student_logits: torch.Tensor,
                        teacher_logits: torch.Tensor) -> torch.Tensor:
    """Squared Hellinger distance between Bernoulli(sigmoid(s)) and
    Bernoulli(sigmoid(t)), elementwise: ``1 - sqrt(p q) - sqrt((1-p)(1-q))``.

    In [0, 1], 0 exactly where the probabilities agree, and its gradient in
    the logit stays bounded (``d sqrt(p) / ds = sqrt(p) (1 - p) / 2``), also
    where the student is sure and wrong.
    """
    # sqrt(sigmoid(x)) = exp(logsigmoid(x) / 2), stable for any logit.
    log_p = nn.functional.logsigmoid(student_logits)
    log_not_p = nn.functional.logsigmoid(-student_logits)
    log_q = nn.functional.logsigmoid(teacher_logits)
    log_not_q = nn.functional.logsigmoid(-teacher_logits)
    overlap = torch.exp((log_p + log_q) / 2) + torch.exp(
        (log_not_p + log_not_q) / 2)
    return (1 - overlap).clamp_min(0)


def categorical_hellinger(student_logits: torch.Tensor,
                          teacher_logits: torch.Tensor,
                          dim: int) -> torch.Tensor:
    """Squared Hellinger distance between softmax(s) and softmax(t) along
    ``dim``: ``1 - sum_c sqrt(p_c q_c)``, that dimension reduced.

    The categorical counterpart of :func:`bernoulli_hellinger`, for a
    softmax head (each anchor's classes + background): in [0, 1], 0 exactly
    where the distributions agree.
    """
    log_p = nn.functional.log_softmax(student_logits, dim=dim)
    log_q = nn.functional.log_softmax(teacher_logits, dim=dim)
    overlap = torch.exp((log_p + log_q) / 2).sum(dim)
    return (1 - overlap).clamp_min(0)


@MODELS.register_module()
class CrossHeadLoss(nn.Module):
    """Per level: the mean over images and positions of the summed (over
    anchors and classes) squared Hellinger distance between the teacher
    head's class probabilities on the student's aligned level and on its
    own level (a softmax head: per anchor, between its categoricals).

    The teacher's head shows where to look in the teacher's own terms: the
    student is asked to give features on which the teacher's classifier
    fires where it fires on the teacher's features (CrossKD, Wang et al.,
    CVPR 2024, with a bounded distance). The term is bounded by the number
    of anchors x classes, vanishes as the student matches, and reaches the
    student only through the frozen teacher head (the teacher side is
    detached).
    """

    def forward(self,
                student_logits: Sequence[torch.Tensor],
                teacher_logits: Sequence[torch.Tensor],
                softmax_channels: Optional[int] = None) -> List[torch.Tensor]:
        """
        Args:
            student_logits: per level (B, A*C, H, W), the teacher head on the
                student's aligned levels (with gradient).
            teacher_logits: per level, the teacher head on its own levels.
            softmax_channels: None for a sigmoid head (a Bernoulli per
                anchor and class); for a softmax head its C (classes +
                background, ``teacher_head.softmax_channels``): a
                categorical per anchor, summed over anchors.

        Returns:
            one scalar loss per level.
        """
        losses = []
        for s, t in zip(student_logits, teacher_logits):
            s, t = s.float(), t.detach().float()
            if softmax_channels is None:
                distance = bernoulli_hellinger(s, t)
            else:
                b, ac, h, w = s.shape
                if ac % softmax_channels:
                    raise ValueError(
                        f'CrossHeadLoss: {ac} class-logit channels are not '
                        f'anchors x {softmax_channels} (the softmax head\'s '
                        f'cls_out_channels); pass the head\'s '
                        f'cls_out_channels as softmax_channels.')
                shape = (b, ac // softmax_channels, softmax_channels, h, w)
                distance = categorical_hellinger(s.reshape(shape),
                                                 t.reshape(shape), dim=2)
            losses.append(distance.sum(1).mean())
        return losses
