"""Hands-on imitation loss: what to produce (features) and where to look
(attention), for one stage pair."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from mmrazor.registry import MODELS

ATTENTIONS = ('channel_distribution', 'spatial', 'spatial_channel')


def spatial_attention(feature: torch.Tensor) -> torch.Tensor:
    """(B, H*W) ``mean_c F^2``: where a stage fires (attention transfer,
    Zagoruyko and Komodakis 2017). Compared by direction only, so its scale
    does not matter."""
    return feature.pow(2).mean(dim=1).flatten(1)


def channel_attention(feature: torch.Tensor) -> torch.Tensor:
    """(B, C) ``mean_hw F^2``: which channels a stage uses."""
    return feature.pow(2).mean(dim=(2, 3))


def cosine_distance(student: torch.Tensor,
                    teacher: torch.Tensor) -> torch.Tensor:
    """Mean over images of ``1 - cos(student_b, teacher_b)``; in [0, 1] for
    non-negative maps, 0 when the maps point the same way."""
    # Rounding can take cos a hair above 1: keep the distance >= 0.
    return (1 - F.cosine_similarity(student, teacher, dim=1,
                                    eps=1e-8)).clamp_min(0).mean()


def channel_distribution_distance(student: torch.Tensor,
                                  teacher: torch.Tensor,
                                  tau: float) -> torch.Tensor:
    """Mean over images and channels of ``tau^2 KL(p_T || p_S)``, where
    ``p`` is a channel's softmax over positions at temperature ``tau``:
    where each teacher channel fires, as a distribution (the
    channel-wise divergence of CWD, Shu et al. 2021, as MMRazor computes
    it). Ours rather than a call to MMRazor's ``ChannelWiseDivergence``
    (tested to give the same number): that one ``view``s the maps, which
    fails on a non-contiguous map, and takes the teacher's softmax twice."""
    log_student = F.log_softmax(student.flatten(2) / tau, dim=2)
    log_teacher = F.log_softmax(teacher.flatten(2) / tau, dim=2)
    divergence = (log_teacher.exp() * (log_teacher - log_student)).sum(2)
    return divergence.mean() * tau**2


@MODELS.register_module()
class HandsOnImitationLoss(nn.Module):
    """L = alpha * feature term + gamma * hands-on term, for one stage.

    - feature term (what to produce): ``sum_{b,h,w} W(b,h,w) * mean_c (S -
      T)^2 / B``, where ``W`` are the micro weights (uniform ``1 / (H*W)``
      when none are given, which makes the term a plain mean squared
      error). ``S`` and ``T`` are the standardised maps, the comparison of
      record.
    - hands-on term (where to look; HGD v3's default,
      ``attention='channel_distribution'``): ``tau^2 KL(p_T || p_S)``
      averaged over images and channels, where ``p`` is a *raw* channel's
      softmax over positions (:func:`channel_distribution_distance`): each
      student channel is shown where its teacher channel fires, whatever
      its scale there. Raw maps, because standardisation turns post-ReLU
      zeros into ``-mu / sigma`` and the magnitude stops meaning "the
      teacher fires here"; the raw student is the connector's output.
      Chosen on the tune splits of three pairs (README, "HGD v3's hands-on
      term"). HGD v2's formulations stay available: ``'spatial'``, ``1 -
      cos`` between the spatial maps ``mean_c F^2`` of the raw student and
      teacher per image, and ``'spatial_channel'``, the mean of that and
      the same distance between channel maps ``mean_hw F^2`` (scale-free,
      in [0, 1]; both measured worse than the feature term alone).

    The teacher side is detached: no gradient reaches the teacher.

    Args:
        alpha: weight of the feature term. Defaults to 1.0.
        gamma: weight of the hands-on term; 0 turns the measure into a
            (weighted) L2 feature loss. Defaults to 1.0.
        attention: ``'channel_distribution'`` (default), ``'spatial'`` or
            ``'spatial_channel'``.
        tau: the softmax temperature of ``'channel_distribution'``.
            Defaults to 1.0 (CWD's on RetinaNet).
    """

    def __init__(self,
                 alpha: float = 1.0,
                 gamma: float = 1.0,
                 attention: str = 'channel_distribution',
                 tau: float = 1.0) -> None:
        super().__init__()
        if tau <= 0:
            raise ValueError(f'HandsOnImitationLoss: tau={tau} must be > 0.')
        if alpha < 0 or gamma < 0:
            raise ValueError(f'HandsOnImitationLoss: alpha={alpha} and '
                             f'gamma={gamma} must be >= 0.')
        if attention not in ATTENTIONS:
            raise ValueError(f'HandsOnImitationLoss: attention={attention!r} '
                             f'is unknown; use one of {ATTENTIONS}.')
        self.alpha = alpha
        self.gamma = gamma
        self.attention = attention
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

    def attention_term(self, student_raw: torch.Tensor,
                       teacher_raw: torch.Tensor) -> torch.Tensor:
        teacher_raw = teacher_raw.detach()
        if self.attention == 'channel_distribution':
            return channel_distribution_distance(student_raw, teacher_raw,
                                                 self.tau)
        spatial = cosine_distance(
            spatial_attention(student_raw), spatial_attention(teacher_raw))
        if self.attention == 'spatial':
            return spatial
        channel = cosine_distance(
            channel_attention(student_raw), channel_attention(teacher_raw))
        return (spatial + channel) / 2

    def forward(self,
                student: torch.Tensor,
                teacher: torch.Tensor,
                weights: Optional[torch.Tensor] = None,
                student_raw: Optional[torch.Tensor] = None,
                teacher_raw: Optional[torch.Tensor] = None) -> torch.Tensor:
        """
        Args:
            student: aligned, normalised student map (B, C, H, W).
            teacher: normalised teacher map (B, C, H, W).
            weights: micro weights (B, H, W) or None.
            student_raw / teacher_raw: the same maps before normalisation,
                for the attention term; default to ``student`` / ``teacher``
                (a caller that does not normalise).
        """
        if student.shape != teacher.shape:
            raise ValueError(
                f'HandsOnImitationLoss needs aligned maps, got student '
                f'{tuple(student.shape)} and teacher {tuple(teacher.shape)}.')
        loss = self.alpha * self.feature_term(student, teacher.detach(),
                                              weights)
        if self.gamma > 0:
            loss = loss + self.gamma * self.attention_term(
                student if student_raw is None else student_raw,
                teacher if teacher_raw is None else teacher_raw)
        return loss
