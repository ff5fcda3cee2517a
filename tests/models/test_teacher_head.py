"""teacher_head: the teacher's dense head and where it looks."""
import pytest
import torch

from helpers import build, tiny_faster_rcnn, tiny_retinanet
from hgd_mm.models.teacher_head import (confidence_maps, dense_class_logits,
                                        dense_head_of)


def test_confidence_is_the_top_class_probability_per_position():
    logits = [torch.randn(2, 12, 5, 4), torch.randn(2, 12, 3, 2)]
    maps = confidence_maps(logits)
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
