"""Micro re-weighting: per-position weights inside one stage."""
from typing import List, Sequence, Tuple

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


@MODELS.register_module()
class MicroReweighting(nn.Module):
    """Per-position weights W = w_fg * M_fg * scale + w_bg * M_bg * A_t.

    - ``M_fg``: cells inside any ground-truth box (boxes mapped to the stage's
      grid; every box covers at least one cell);
    - ``scale``: 1 / (area in cells of the smallest box covering the cell), so
      small objects are not drowned by large ones;
    - ``M_bg = 1 - M_fg``, weighted by the teacher's spatial attention ``A_t``;
    - the foreground and the background parts are each normalised to sum to 1
      per image, then weighted by ``fg_weight`` and ``bg_weight``. An image
      with no box is all background.

    The method text leaves the two weights open; the defaults (1.0, 0.5) keep
    FGD's 2:1 foreground:background ratio.

    Args:
        fg_weight: total weight of an image's foreground. Defaults to 1.0.
        bg_weight: total weight of an image's background. Defaults to 0.5.
    """

    def __init__(self, fg_weight: float = 1.0, bg_weight: float = 0.5) -> None:
        super().__init__()
        if fg_weight < 0 or bg_weight < 0:
            raise ValueError(f'MicroReweighting: fg_weight={fg_weight} and '
                             f'bg_weight={bg_weight} must be >= 0.')
        self.fg_weight = fg_weight
        self.bg_weight = bg_weight

    def forward(self, gt_boxes: List[torch.Tensor], input_size: Sequence[int],
                teacher_attention: torch.Tensor) -> torch.Tensor:
        """
        Args:
            gt_boxes: per image (Ni, 4) xyxy boxes in input-image pixels.
            input_size: (H, W) of the (padded) batch input.
            teacher_attention: (B, H, W) teacher spatial attention of the stage.

        Returns:
            (B, H, W) weights, detached.
        """
        teacher_attention = teacher_attention.detach().float()
        feature_size = tuple(teacher_attention.shape[-2:])
        boxes, present = pad_boxes(gt_boxes, teacher_attention.device)
        smallest = smallest_covering_area(boxes, present, input_size,
                                          feature_size)
        foreground = smallest < NO_BOX
        scale = torch.where(foreground, 1.0 / smallest.float(),
                            torch.zeros_like(teacher_attention))
        background = (~foreground).float() * teacher_attention
        return (self.fg_weight * normalize_per_image(scale) +
                self.bg_weight * normalize_per_image(background))
