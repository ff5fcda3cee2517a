import math

import pytest
import torch

from hgd_mm.models import MicroReweighting
from hgd_mm.models.weighting.micro_reweighting import box_cells, pad_boxes


def reference_weights(boxes_per_image, input_size, feature_size, saliency,
                      mix, fg_share, size_power):
    """Loops over images, cells and boxes: the v2 formula, literally.
    ``saliency`` None means a uniform background."""
    in_h, in_w = input_size
    feat_h, feat_w = feature_size
    batch = len(boxes_per_image)
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
                    fg[h, w] = min(areas)**-size_power
                else:
                    bg[h, w] = 1.0 if saliency is None else saliency[b, h, w]
        share = fg_share
        if fg.sum() == 0:
            share = 0.0
        elif bg.sum() == 0:
            share = 1.0
        guided = torch.zeros(feat_h, feat_w, dtype=torch.float64)
        if fg.sum() > 0:
            guided += share * fg / fg.sum()
        if bg.sum() > 0:
            guided += (1 - share) * bg / bg.sum()
        out[b] = (1 - mix) / (feat_h * feat_w) + mix * guided
    return out


def random_boxes(generator, count, size):
    xy = torch.rand(count, 2, generator=generator) * size
    wh = torch.rand(count, 2, generator=generator) * size / 2
    return torch.cat([xy, xy + wh], dim=1)


@pytest.mark.parametrize('background', ['uniform', 'saliency'])
@pytest.mark.parametrize('feature_size', [(16, 20), (4, 5), (1, 1)])
def test_matches_loop_reference(feature_size, background):
    generator = torch.Generator().manual_seed(1)
    boxes = [random_boxes(generator, 7, 64), random_boxes(generator, 2, 64),
             torch.zeros(0, 4)]
    saliency = torch.rand(3, *feature_size, generator=generator) + 0.1
    micro = MicroReweighting(mix=0.6, fg_share=0.7, size_power=0.5,
                             background=background)
    weights = micro(boxes, (64, 80), feature_size, saliency)
    expected = reference_weights(
        boxes, (64, 80), feature_size,
        saliency.double() if background == 'saliency' else None, 0.6, 0.7,
        0.5)
    torch.testing.assert_close(weights.double(), expected, rtol=1e-5,
                               atol=1e-7)


def test_every_image_sums_to_one_like_a_plain_mean():
    generator = torch.Generator().manual_seed(2)
    boxes = [random_boxes(generator, 5, 64), torch.zeros(0, 4),
             torch.tensor([[0.0, 0.0, 64.0, 64.0]])]  # all foreground
    for background in ('uniform', 'saliency'):
        weights = MicroReweighting(background=background)(
            boxes, (64, 64), (8, 8), torch.rand(3, 8, 8, generator=generator))
        torch.testing.assert_close(weights.sum(dim=(1, 2)), torch.ones(3))


def test_mix_zero_is_the_plain_mean():
    boxes = [torch.tensor([[0.0, 0.0, 8.0, 8.0]])]
    weights = MicroReweighting(mix=0.0)(boxes, (64, 64), (8, 8))
    torch.testing.assert_close(weights, torch.full((1, 8, 8), 1 / 64))


def test_no_cell_carries_the_loss():
    # One 1-cell box among 63 background cells: with the defaults the cell
    # gets (1-mix)/64 + mix*fg_share = 0.258, not the whole foreground
    # budget, and every background cell keeps at least (1-mix)/64.
    boxes = [torch.tensor([[0.0, 0.0, 4.0, 4.0]])]
    weights = MicroReweighting()(boxes, (64, 64), (8, 8))[0]
    assert weights[0, 0].item() == pytest.approx(0.5 / 64 + 0.25)
    assert weights.min().item() >= 0.5 / 64


def test_saliency_background_needs_the_map():
    with pytest.raises(ValueError, match='saliency'):
        MicroReweighting(background='saliency')([torch.zeros(0, 4)],
                                                (32, 32), (4, 4))


@pytest.mark.parametrize('kwargs', [dict(mix=1.5), dict(fg_share=-0.1),
                                    dict(size_power=-1.0),
                                    dict(background='attention')])
def test_impossible_options_are_refused(kwargs):
    with pytest.raises(ValueError, match='MicroReweighting'):
        MicroReweighting(**kwargs)


def test_tiny_box_covers_a_cell_at_the_coarsest_stage():
    # A 1x1-pixel box on a 2x2 grid of a 256-pixel image (stride 128).
    boxes = [torch.tensor([[200.0, 10.0, 201.0, 11.0]])]
    weights = MicroReweighting(mix=1.0, fg_share=1.0)(boxes, (256, 256),
                                                      (2, 2))
    assert weights[0].tolist() == [[0.0, 1.0], [0.0, 0.0]]


def test_small_objects_are_lifted_not_made_to_dominate():
    # A 4x4-cell box and a 1-cell box: with area**-0.5 each cell of the small
    # box weighs 4x a cell of the large one, so the small box gets 4/20 of
    # the foreground mass (1/area would give it half, as version 1 did).
    boxes = [torch.tensor([[0.0, 0.0, 16.0, 16.0], [56.0, 56.0, 60.0, 60.0]])]
    weights = MicroReweighting(mix=1.0, fg_share=1.0)(boxes, (64, 64),
                                                      (16, 16))
    assert weights[0, :4, :4].sum().item() == pytest.approx(16 / 20)
    assert weights[0, 14:, 14:].sum().item() == pytest.approx(4 / 20)


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
    weights = MicroReweighting()([boxes], (64, 64), (8, 8))
    assert torch.isfinite(weights).all()


def test_many_boxes_are_handled_in_chunks():
    generator = torch.Generator().manual_seed(3)
    boxes = [random_boxes(generator, 700, 256)]
    saliency = torch.rand(1, 32, 32, generator=generator)
    weights = MicroReweighting(background='saliency')(boxes, (256, 256),
                                                      (32, 32), saliency)
    expected = reference_weights(boxes, (256, 256), (32, 32),
                                 saliency.double(), 0.5, 0.5, 0.5)
    torch.testing.assert_close(weights.double(), expected, rtol=1e-5,
                               atol=1e-7)


def test_teacher_share_follows_the_teacher_confidence():
    torch.manual_seed(0)
    boxes = [torch.tensor([[0.0, 0.0, 32.0, 32.0]]), torch.zeros(0, 4)]
    confidence = torch.rand(2, 8, 8)
    plain = MicroReweighting(mix=0.5)(boxes, (64, 64), (8, 8))
    micro = MicroReweighting(mix=0.5, teacher_share=0.4)
    assert micro.needs_confidence
    # HGD v3: on by default (half of the guided part), off at 0
    assert MicroReweighting().teacher_share == 0.5
    assert not MicroReweighting(teacher_share=0.0).needs_confidence
    weights = micro(boxes, (64, 64), (8, 8), confidence=confidence)
    # reference: the box part and the confidence, each summing to 1 per
    # image, mixed 0.6 / 0.4 inside the guided half
    guided_boxes = (plain - 0.5 / 64) / 0.5
    looked_at = torch.stack([c / c.sum() for c in confidence])
    expected = 0.5 / 64 + 0.5 * (0.6 * guided_boxes + 0.4 * looked_at)
    torch.testing.assert_close(weights, expected)
    torch.testing.assert_close(weights.sum(dim=(1, 2)), torch.ones(2))
    # a stage that is no head level keeps the box weights
    torch.testing.assert_close(micro(boxes, (64, 64), (8, 8)), plain)
    only_teacher = MicroReweighting(mix=1.0, teacher_share=1.0)(
        boxes, (64, 64), (8, 8), confidence=confidence)
    torch.testing.assert_close(only_teacher, looked_at)
