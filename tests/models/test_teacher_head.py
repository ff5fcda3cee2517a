"""teacher_head: the teacher's dense head and where it looks."""
import pytest
import torch

from helpers import build, tiny_faster_rcnn, tiny_retinanet
from hgd_mm.models.teacher_head import (confidence_maps, dense_class_logits,
                                        dense_head_of, softmax_channels)


class FakeHead(torch.nn.Module):
    def __init__(self, use_sigmoid_cls: bool, cls_out_channels: int) -> None:
        super().__init__()
        self.use_sigmoid_cls = use_sigmoid_cls
        self.cls_out_channels = cls_out_channels


def test_confidence_is_the_top_class_probability_per_position():
    logits = [torch.randn(2, 12, 5, 4), torch.randn(2, 12, 3, 2)]
    maps = confidence_maps(logits, FakeHead(True, 4))
    for level, conf in zip(logits, maps):
        expected = torch.zeros(2, *level.shape[-2:])
        for b in range(2):  # slow reference
            for y in range(level.shape[2]):
                for x in range(level.shape[3]):
                    expected[b, y, x] = max(
                        torch.sigmoid(level[b, c, y, x]).item()
                        for c in range(level.shape[1]))
        torch.testing.assert_close(conf, expected)
        assert not conf.requires_grad


def test_softmax_head_confidence_leaves_the_background_out():
    # 3 anchors x (4 classes + background, mmdet's last column)
    logits = [torch.randn(2, 15, 5, 4), torch.randn(2, 15, 3, 2)]
    logits[0][:, 4::5] += 10.0  # background dominates: confidence stays low
    maps = confidence_maps(logits, FakeHead(False, 5))
    for level, conf in zip(logits, maps):
        expected = torch.zeros(2, *level.shape[-2:])
        for b in range(2):  # slow reference
            for y in range(level.shape[2]):
                for x in range(level.shape[3]):
                    best = 0.0
                    for a in range(3):
                        column = level[b, 5 * a:5 * a + 5, y, x]
                        probs = torch.softmax(column, dim=0)
                        best = max(best, probs[:4].max().item())
                    expected[b, y, x] = best
        torch.testing.assert_close(conf, expected)
    assert maps[0].max() < 0.1


def test_mmdet_softmax_head_has_the_layout_confidence_reads():
    from mmdet.models.dense_heads import SSDHead
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmdet'):
        head = SSDHead(num_classes=4, in_channels=(8, 8, 8),
                       anchor_generator=dict(
                           type='SSDAnchorGenerator', scale_major=False,
                           input_size=300, basesize_ratio_range=(0.15, 0.9),
                           strides=[8, 16, 32], ratios=[[2], [2], [2]]))
    assert not head.use_sigmoid_cls and head.cls_out_channels == 5
    features = [torch.randn(1, 8, s, s) for s in (8, 4, 2)]
    maps = confidence_maps(dense_class_logits(head, features), head)
    assert [tuple(m.shape) for m in maps] == [(1, s, s) for s in (8, 4, 2)]
    assert all(((m > 0) & (m < 1)).all() for m in maps)


def test_confidence_of_a_head_that_does_not_say_sigmoid_or_softmax():
    with pytest.raises(TypeError, match='use_sigmoid_cls.*teacher_share=0'):
        confidence_maps([torch.randn(1, 4, 2, 2)], torch.nn.Identity())


def test_dense_head_of_one_and_two_stage_detectors():
    retina = build(tiny_retinanet(18, 8, 16))
    assert dense_head_of(retina) is retina.bbox_head
    faster = build(tiny_faster_rcnn(18, 8, 16))
    assert dense_head_of(faster) is faster.rpn_head
    with pytest.raises(TypeError, match='no dense head'):
        dense_head_of(torch.nn.Linear(2, 2))


def test_class_logits_per_level():
    retina = build(tiny_retinanet(18, 8, 16))
    features = [torch.randn(2, 16, s, s) for s in (16, 8, 4, 2, 1)]
    logits = dense_class_logits(retina.bbox_head, features)
    sizes = (16, 8, 4, 2, 1)
    assert [tuple(x.shape[-2:]) for x in logits] == [(s, s) for s in sizes]
    anchors = retina.bbox_head.num_base_priors
    assert logits[0].shape[1] == anchors * retina.bbox_head.cls_out_channels


def test_softmax_channels_say_which_kind_of_head():
    assert softmax_channels(FakeHead(True, 4)) is None
    assert softmax_channels(FakeHead(False, 5)) == 5
    with pytest.raises(TypeError, match='use_sigmoid_cls.*cross_head=None'):
        softmax_channels(torch.nn.Identity())
