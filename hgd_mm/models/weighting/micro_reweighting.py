"""Micro re-weighting: per-position weights inside one stage."""
from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

from mmrazor.registry import MODELS

# Boxes handled per chunk when building masks: bounds memory to
# B x chunk x H x W, whatever the number of boxes (the work stays linear).
BOX_CHUNK = 256
NO_BOX = torch.iinfo(torch.int32).max


def pad_boxes(boxes: Sequence[torch.Tensor],
              device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
    """Stack per-image (Ni, 4) boxes into (B, N, 4) plus a (B, N) mask."""
    padded = pad_sequence(
        [image_boxes.to(device, torch.float32) for image_boxes in boxes],
        batch_first=True)
    counts = torch.tensor([len(image_boxes) for image_boxes in boxes],
                          device=device)
    present = torch.arange(padded.shape[1], device=device) < counts[:, None]
    return padded, present


def box_cells(boxes: torch.Tensor, present: torch.Tensor,
              input_size: Sequence[int],
              feature_size: Sequence[int]) -> Tuple[torch.Tensor, ...]:
    """Map (B, N, 4) xyxy image boxes to inclusive cell ranges of a grid.

    Every usable box covers at least one cell, however small it is and however
    coarse the grid. Boxes that are not finite, inverted, or wholly outside
    the image are dropped (``usable`` is False); boxes partly outside are
    clipped to the image.

    Returns:
        x1, y1, x2, y2 (B, N) int64 inclusive cell indices, area (B, N) in
        cells, usable (B, N) bool.
    """
    in_h, in_w = input_size
    feat_h, feat_w = feature_size
    x1, y1, x2, y2 = boxes.unbind(dim=-1)
    usable = (present & torch.isfinite(boxes).all(dim=-1) & (x2 >= x1)
              & (y2 >= y1) & (x2 >= 0) & (y2 >= 0) & (x1 <= in_w)
              & (y1 <= in_h))
    boxes = torch.where(usable[..., None], boxes, torch.zeros_like(boxes))
    scale_x, scale_y = feat_w / in_w, feat_h / in_h
    cx1 = (boxes[..., 0].clamp(0, in_w) * scale_x).floor().long()
    cy1 = (boxes[..., 1].clamp(0, in_h) * scale_y).floor().long()
    cx2 = (boxes[..., 2].clamp(0, in_w) * scale_x).ceil().long() - 1
    cy2 = (boxes[..., 3].clamp(0, in_h) * scale_y).ceil().long() - 1
    cx1, cy1 = cx1.clamp(0, feat_w - 1), cy1.clamp(0, feat_h - 1)
    cx2 = torch.maximum(cx2.clamp(0, feat_w - 1), cx1)
    cy2 = torch.maximum(cy2.clamp(0, feat_h - 1), cy1)
    area = (cx2 - cx1 + 1) * (cy2 - cy1 + 1)
    return cx1, cy1, cx2, cy2, area, usable


def smallest_covering_area(boxes: torch.Tensor, present: torch.Tensor,
                           input_size: Sequence[int],
                           feature_size: Sequence[int]) -> torch.Tensor:
    """(B, H, W) int32: area in cells of the smallest box covering a cell,
    ``NO_BOX`` where no box covers it. All boxes and images at once."""
    cx1, cy1, cx2, cy2, area, usable = box_cells(boxes, present, input_size,
                                                 feature_size)
    feat_h, feat_w = feature_size
    device = boxes.device
    cols = torch.arange(feat_w, device=device)
    rows = torch.arange(feat_h, device=device)
    area = torch.where(usable, area, torch.full_like(area, NO_BOX)).int()
    smallest = torch.full((boxes.shape[0], feat_h, feat_w), NO_BOX,
                          dtype=torch.int32, device=device)
    for start in range(0, boxes.shape[1], BOX_CHUNK):
        chunk = slice(start, start + BOX_CHUNK)
        in_cols = ((cols >= cx1[:, chunk, None]) &
                   (cols <= cx2[:, chunk, None]))  # B, n, W
        in_rows = ((rows >= cy1[:, chunk, None]) &
                   (rows <= cy2[:, chunk, None]))  # B, n, H
        inside = in_rows[..., :, None] & in_cols[..., None, :]  # B, n, H, W
        chunk_area = torch.where(inside, area[:, chunk, None, None],
                                 NO_BOX).amin(dim=1)
        smallest = torch.minimum(smallest, chunk_area)
    return smallest


def normalize_per_image(weights: torch.Tensor,
                        eps: float = 1e-12) -> torch.Tensor:
    """Scale each image's (H, W) map to sum to 1 (all-zero maps stay 0)."""
    total = weights.sum(dim=(1, 2), keepdim=True)
    return weights / total.clamp_min(eps)


def teacher_saliency(teacher: torch.Tensor) -> torch.Tensor:
    """(B, H, W) ``mean_c |T|`` of the *raw* teacher stage: where the teacher
    fires (FGD's spatial attention before its softmax). Raw, not
    standardised: after per-channel standardisation a post-ReLU zero becomes
    ``-mu / sigma``, and magnitude no longer means activity."""
    return teacher.detach().float().abs().mean(dim=1)


BACKGROUNDS = ('uniform', 'saliency')


@MODELS.register_module()
class MicroReweighting(nn.Module):
    """Per-position weights that keep the scale of a plain mean (HGD v2).

    ``W = (1 - mix) / (H W) + mix * ((1 - teacher_share) * (fg_share * G +
    (1 - fg_share) * B) + teacher_share * Q)``

    - ``G``: foreground cells (inside any ground-truth box mapped to the
      stage's grid; every box covers at least one cell), weighted by
      ``a ** -size_power`` with ``a`` the area in cells of the smallest box
      covering the cell, normalised to sum to 1 per image. ``size_power``
      0.5 lifts small objects without letting single cells carry the loss
      (1.0, version 1's choice, gave a 1-cell box 20x the uniform weight).
    - ``B``: background cells, uniform (``background='uniform'``) or weighted
      by the raw teacher's saliency ``mean_c |T|`` (``'saliency'``: salient
      background, FGD's idea), normalised to sum to 1 per image.
    - ``Q`` (HGD v3, ``teacher_share``, on by default): where the teacher
      looks, its own head's class confidence per position (the highest
      class probability over anchors and classes, detached), normalised to
      sum to 1 per image: the teacher shows which positions matter to it,
      hard negatives and missed objects included, which the boxes do not
      say. Given by the distiller for the stages whose grid is one of the
      teacher head's levels; other stages (and a call without
      ``confidence``) keep the box weights.
    - Every image's ``W`` sums to 1, as ``1 / (H W)`` does, so the weighted
      loss keeps the scale of the plain mean it replaces, and the uniform
      part ``(1 - mix)`` keeps every cell in the loss (no handful of cells
      carries it). An image with no foreground (or no background) gives
      that part's share to the other.

    Version 1 (foreground and background each normalised, 1/area, attention
    on the standardised teacher) lost 1.7 mAP on the mini benchmark; the
    README's tuning table has how this one was chosen.

    Args:
        mix: share of the loss that follows the boxes and saliency; 0 is the
            plain mean. Defaults to 0.5.
        fg_share: share of ``mix`` that goes to the foreground. Defaults to
            0.5 (the foreground is ~30 % of stride-8 cells on the mini set).
        size_power: exponent p of ``area ** -p`` inside the foreground.
            Defaults to 0.5.
        background: ``'uniform'`` (default) or ``'saliency'``.
        teacher_share: share of ``mix`` that follows the teacher head's
            confidence ``Q``. Defaults to 0.5 (HGD v3: what won on the
            tuning splits of both RetinaNet pairs; 0 is HGD v2's box
            weights alone).
    """

    def __init__(self,
                 mix: float = 0.5,
                 fg_share: float = 0.5,
                 size_power: float = 0.5,
                 background: str = 'uniform',
                 teacher_share: float = 0.5) -> None:
        super().__init__()
        for name, value in (('mix', mix), ('fg_share', fg_share),
                            ('teacher_share', teacher_share)):
            if not 0 <= value <= 1:
                raise ValueError(f'MicroReweighting: {name}={value} must be '
                                 f'in [0, 1].')
        if size_power < 0:
            raise ValueError(f'MicroReweighting: size_power={size_power} '
                             f'must be >= 0 (0: every foreground cell alike).')
        if background not in BACKGROUNDS:
            raise ValueError(f'MicroReweighting: background={background!r} '
                             f'is unknown; use one of {BACKGROUNDS}.')
        self.mix = mix
        self.fg_share = fg_share
        self.size_power = size_power
        self.background = background
        self.teacher_share = teacher_share

    @property
    def needs_saliency(self) -> bool:
        return self.background == 'saliency'

    @property
    def needs_confidence(self) -> bool:
        return self.teacher_share > 0

    def forward(self,
                gt_boxes: List[torch.Tensor],
                input_size: Sequence[int],
                feature_size: Sequence[int],
                saliency: Optional[torch.Tensor] = None,
                confidence: Optional[torch.Tensor] = None) -> torch.Tensor:
        """
        Args:
            gt_boxes: per image (Ni, 4) xyxy boxes in input-image pixels.
            input_size: (H, W) of the (padded) batch input.
            feature_size: (H, W) of the stage's grid.
            saliency: (B, H, W) raw teacher saliency
                (:func:`teacher_saliency`), needed with
                ``background='saliency'`` only.
            confidence: (B, H, W) the teacher head's confidence on this
                grid (``Q``), or None where the stage is not a head level
                (then ``teacher_share`` does not apply to it).

        Returns:
            (B, H, W) fp32 weights summing to 1 per image, detached.
        """
        if self.needs_saliency and saliency is None:
            raise ValueError("MicroReweighting(background='saliency') needs "
                             'the teacher saliency map.')
        feature_size = tuple(feature_size)
        device = (saliency.device if saliency is not None else
                  gt_boxes[0].device if gt_boxes else torch.device('cpu'))
        boxes, present = pad_boxes(gt_boxes, device)
        smallest = smallest_covering_area(boxes, present, input_size,
                                          feature_size)
        foreground = smallest < NO_BOX
        size_weight = torch.where(
            foreground, smallest.float().pow(-self.size_power),
            torch.zeros((), device=device))
        if self.needs_saliency:
            background = (~foreground) * saliency.detach().float()
        else:
            background = (~foreground).float()
        fg_part = normalize_per_image(size_weight)
        bg_part = normalize_per_image(background)
        # Give an empty part's share to the other, so W always sums to 1.
        has_fg = fg_part.sum(dim=(1, 2), keepdim=True) > 0
        has_bg = bg_part.sum(dim=(1, 2), keepdim=True) > 0
        fg_share = torch.where(
            has_fg & has_bg, torch.tensor(self.fg_share, device=device),
            has_fg.float())
        cells = feature_size[0] * feature_size[1]
        guided = torch.where(has_fg | has_bg,
                             fg_share * fg_part + (1 - fg_share) * bg_part,
                             torch.full_like(fg_part, 1.0 / cells))
        if self.needs_confidence and confidence is not None:
            looked_at = normalize_per_image(confidence.detach().float())
            guided = ((1 - self.teacher_share) * guided +
                      self.teacher_share * looked_at)
        return (1 - self.mix) / cells + self.mix * guided
