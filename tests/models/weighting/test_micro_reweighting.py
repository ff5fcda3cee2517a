import math

import pytest
import torch

from hgd_mm.models import MicroReweighting
from hgd_mm.models.weighting.micro_reweighting import box_cells, pad_boxes


def reference_weights(boxes_per_image, input_size, attention, fg_weight,
                      bg_weight):
    """Loops over images, cells and boxes: the method text, literally."""
    in_h, in_w = input_size
    batch, feat_h, feat_w = attention.shape
    out = torch.zeros(batch, feat_h, feat_w, dtype=torch.float64)
    for b in range(batch):
        cells = []
        for x1, y1, x2, y2 in boxes_per_image[b].tolist():
            if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
                continue
            if x2 < x1 or y2 < y1 or x2 < 0 or y2 < 0 or x1 > in_w or \
                    y1 > in_h:
                continue
            x1, x2 = min(max(x1, 0), in_w), min(max(x2, 0), in_w)
            y1, y2 = min(max(y1, 0), in_h), min(max(y2, 0), in_h)
            cx1 = min(int(math.floor(x1 * feat_w / in_w)), feat_w - 1)
            cy1 = min(int(math.floor(y1 * feat_h / in_h)), feat_h - 1)
            cx2 = max(min(int(math.ceil(x2 * feat_w / in_w)) - 1, feat_w - 1),
                      cx1)
            cy2 = max(min(int(math.ceil(y2 * feat_h / in_h)) - 1, feat_h - 1),
                      cy1)
            cells.append((cx1, cy1, cx2, cy2))
        fg = torch.zeros(feat_h, feat_w, dtype=torch.float64)
        bg = torch.zeros(feat_h, feat_w, dtype=torch.float64)
        for h in range(feat_h):
            for w in range(feat_w):
                areas = [(x2 - x1 + 1) * (y2 - y1 + 1)
                         for x1, y1, x2, y2 in cells
                         if x1 <= w <= x2 and y1 <= h <= y2]
                if areas:
                    fg[h, w] = 1.0 / min(areas)
                else:
                    bg[h, w] = attention[b, h, w]
        if fg.sum() > 0:
            out[b] += fg_weight * fg / fg.sum()
        if bg.sum() > 0:
            out[b] += bg_weight * bg / bg.sum()
    return out


def random_boxes(generator, count, size):
    xy = torch.rand(count, 2, generator=generator) * size
    wh = torch.rand(count, 2, generator=generator) * size / 2
    return torch.cat([xy, xy + wh], dim=1)


@pytest.mark.parametrize('feature_size', [(16, 20), (4, 5), (1, 1)])
def test_matches_loop_reference(feature_size):
    generator = torch.Generator().manual_seed(1)
    boxes = [random_boxes(generator, 7, 64), random_boxes(generator, 2, 64),
             torch.zeros(0, 4)]
    attention = torch.rand(3, *feature_size, generator=generator) + 0.1
    weights = MicroReweighting(fg_weight=1.0, bg_weight=0.5)(
        boxes, (64, 80), attention)
    expected = reference_weights(boxes, (64, 80), attention.double(), 1.0, 0.5)
    torch.testing.assert_close(weights.double(), expected, rtol=1e-5,
                               atol=1e-7)


def test_image_without_boxes_is_all_background():
    attention = torch.rand(1, 6, 6) + 0.1
    weights = MicroReweighting(fg_weight=1.0, bg_weight=0.5)([torch.zeros(
        0, 4)], (48, 48), attention)
    assert weights.sum().item() == pytest.approx(0.5)
    torch.testing.assert_close(weights, 0.5 * attention / attention.sum())


def test_tiny_box_covers_a_cell_at_the_coarsest_stage():
    # A 1x1-pixel box on a 2x2 grid of a 256-pixel image (stride 128).
    boxes = [torch.tensor([[200.0, 10.0, 201.0, 11.0]])]
    weights = MicroReweighting(fg_weight=1.0, bg_weight=0.0)(
        boxes, (256, 256), torch.ones(1, 2, 2))
    assert weights[0].tolist() == [[0.0, 1.0], [0.0, 0.0]]


def test_small_objects_are_not_drowned_by_large_ones():
    # One large and one small box: each gets about half the foreground mass
    # (scale = 1 / area), instead of the large one taking almost all.
    boxes = [torch.tensor([[0.0, 0.0, 32.0, 32.0], [56.0, 56.0, 60.0, 60.0]])]
    weights = MicroReweighting(fg_weight=1.0, bg_weight=0.0)(
        boxes, (64, 64), torch.ones(1, 16, 16))
    assert weights[0, :8, :8].sum().item() == pytest.approx(0.5)
    assert weights[0, 14:, 14:].sum().item() == pytest.approx(0.5)


def test_degenerate_boxes():
    boxes = torch.tensor([
        [10.0, 10.0, 10.0, 10.0],  # zero size: still one cell
        [30.0, 30.0, 20.0, 20.0],  # inverted: dropped
        [-50.0, -50.0, -10.0, -10.0],  # wholly outside: dropped
        [float('nan'), 0.0, 5.0, 5.0],  # not finite: dropped
        [60.0, 60.0, 90.0, 90.0],  # partly outside: clipped
    ])
    padded, present = pad_boxes([boxes], torch.device('cpu'))
    *_, area, usable = box_cells(padded, present, (64, 64), (8, 8))
    assert usable[0].tolist() == [True, False, False, False, True]
    assert area[0, 0].item() == 1
    assert area[0, 4].item() == 1  # cells 7..7 on an 8x8 grid
    weights = MicroReweighting()([boxes], (64, 64), torch.ones(1, 8, 8))
    assert torch.isfinite(weights).all()


def test_many_boxes_are_handled_in_chunks():
    generator = torch.Generator().manual_seed(3)
    boxes = [random_boxes(generator, 700, 256)]
    attention = torch.rand(1, 32, 32, generator=generator)
    weights = MicroReweighting()(boxes, (256, 256), attention)
    expected = reference_weights(boxes, (256, 256), attention.double(), 1.0,
                                 0.5)
    torch.testing.assert_close(weights.double(), expected, rtol=1e-5,
                               atol=1e-7)
