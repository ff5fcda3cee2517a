"""Hands-on imitation loss: what to produce (features) and where to look
(spatial and channel attention), for one stage pair."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from mmrazor.registry import MODELS


def spatial_attention(feature: torch.Tensor,
                      tau: float,
                      magnitude: Optional[torch.Tensor] = None) -> torch.Tensor:
    """A(F) = H*W * softmax_hw(mean_c |F| / tau); (B, H, W), mean 1 per image.

    ``magnitude``: ``|F|`` if the caller has it already (saves a pass).
    """
    batch, _, height, width = feature.shape
    magnitude = feature.abs() if magnitude is None else magnitude
    logits = magnitude.mean(dim=1).reshape(batch, -1) / tau
    return (height * width * logits.softmax(dim=1)).reshape(
        batch, height, width)


def channel_attention(feature: torch.Tensor,
                      tau: float,
                      magnitude: Optional[torch.Tensor] = None) -> torch.Tensor:
    """C(F) = C * softmax_c(mean_hw |F| / tau); (B, C), mean 1 per image.

    ``magnitude``: ``|F|`` if the caller has it already (saves a pass).
    """
    channels = feature.shape[1]
    magnitude = feature.abs() if magnitude is None else magnitude
    logits = magnitude.mean(dim=(2, 3)) / tau
    return channels * logits.softmax(dim=1)


@MODELS.register_module()
class HandsOnImitationLoss(nn.Module):
    """L = alpha * feature term + gamma * attention term, for one stage.

    - feature term: ``sum_{b,h,w} W(b,h,w) * mean_c (S - T)^2 / B``, where ``W``
      are the micro weights (uniform ``1 / (H*W)`` when none are given, which
      makes the term a plain mean squared error);
    - attention term: L1 between the student's and the teacher's spatial
      attention plus L1 between their channel attention. The method text does
      not fix the L1 reduction; we take the mean over positions (channels) and
      images, so the term does not grow with resolution or width (both maps
      have mean 1 by construction).

    The teacher side is detached: no gradient reaches the teacher. Both inputs
    are expected aligned (same shape) and normalised by the distiller.

    Args:
        alpha: weight of the feature term. Defaults to 1.0.
        gamma: weight of the attention term; 0 turns the measure into a
            (weighted) L2 feature loss. Defaults to 1.0.
        tau: softmax temperature of the attention maps. Defaults to 0.5.
    """

    def __init__(self,
                 alpha: float = 1.0,
                 gamma: float = 1.0,
                 tau: float = 0.5) -> None:
        super().__init__()
        if alpha < 0 or gamma < 0:
            raise ValueError(f'HandsOnImitationLoss: alpha={alpha} and '
                             f'gamma={gamma} must be >= 0.')
        if not tau > 0:
            raise ValueError(
                f'HandsOnImitationLoss: tau={tau} must be > 0 (it divides '
                f'the attention logits); 0.5 is the default.')
        self.alpha = alpha
        self.gamma = gamma
        self.tau = tau

    def feature_term(self,
                     student: torch.Tensor,
                     teacher: torch.Tensor,
                     weights: Optional[torch.Tensor] = None) -> torch.Tensor:
        batch, channels, height, width = student.shape
        # Same bits as (student - teacher).pow(2).mean(dim=1) (CPU's mean is
        # a sum, then a division), but cheaper: mse_loss fuses the
        # difference and the square forward and backward (pow's backward
        # takes three passes over the maps), and dividing the (B, H, W) sum
        # spares the backward a division of the whole (B, C, H, W) gradient.
        squared_error = F.mse_loss(
            student, teacher, reduction='none').sum(dim=1) / channels
        if weights is None:
            return squared_error.sum() / (batch * height * width)
        return (weights * squared_error).sum() / batch

    def attention_term(self, student: torch.Tensor,
                       teacher: torch.Tensor) -> torch.Tensor:
        # |S| once for both maps; the teacher side needs no autograd record.
        student_magnitude = student.abs()
        with torch.no_grad():
            teacher_magnitude = teacher.abs()
            teacher_spatial = spatial_attention(teacher, self.tau,
                                                teacher_magnitude)
            teacher_channel = channel_attention(teacher, self.tau,
                                                teacher_magnitude)
        spatial = (spatial_attention(student, self.tau, student_magnitude) -
                   teacher_spatial).abs().mean()
        channel = (channel_attention(student, self.tau, student_magnitude) -
                   teacher_channel).abs().mean()
        return spatial + channel

    def forward(self,
                student: torch.Tensor,
                teacher: torch.Tensor,
                weights: Optional[torch.Tensor] = None) -> torch.Tensor:
        """
        Args:
            student: aligned, normalised student map (B, C, H, W).
            teacher: normalised teacher map (B, C, H, W).
            weights: micro weights (B, H, W) or None.
        """
        if student.shape != teacher.shape:
            raise ValueError(
                f'HandsOnImitationLoss needs aligned maps, got student '
                f'{tuple(student.shape)} and teacher {tuple(teacher.shape)}.')
        teacher = teacher.detach()
        loss = self.alpha * self.feature_term(student, teacher, weights)
        if self.gamma > 0:
            loss = loss + self.gamma * self.attention_term(student, teacher)
        return loss
