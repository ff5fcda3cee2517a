"""ReviewHints: the student's stages fused top-down, compared with the
teacher's by the hierarchical context loss."""
import pytest
import torch

from helpers import build, tiny_retinanet
from hgd_mm.models.connectors import get_normalization
from hgd_mm.models.hints import ReviewHints, neck_input_slots
from hgd_mm.models.losses import HierarchicalContextLoss
from hgd_mm.models.stages import probe_stages

NORM = get_normalization('stage_std')


def setting():
    student = build(tiny_retinanet(18, 8, 16))
    teacher = build(tiny_retinanet(50, 16, 16))
    teacher.requires_grad_(False)
    s_stages = [s for s in probe_stages(student) if s.source == 'backbone']
    t_stages = [t for t in probe_stages(teacher) if t.source == 'backbone']
    slots = neck_input_slots(teacher.neck, len(t_stages))
    return student, teacher, s_stages, t_stages, slots


def backbone_features(model, image):
    return {f'backbone.{i}': x for i, x in enumerate(model.backbone(image))}


def test_reviews_the_stages_the_neck_reads_with_a_fusion_each():
    _, _, s_stages, t_stages, slots = setting()
    hints = ReviewHints(s_stages, t_stages, slots)
    assert hints.term_keys([]) == ['backbone_1', 'backbone_2', 'backbone_3']
    assert hints.compares == 'backbone'
    # the deepest stage has nothing deeper to fuse with
    assert [f.attention is None for f in hints.fusions] == [False, False,
                                                            True]
    # mid channels: the fewest of the reviewed teacher stages
    assert hints.fusions[0].project.conv.out_channels == min(
        t_stages[i].channels for i in slots)


def test_loss_matches_a_reference_and_the_deeper_stages_are_reviewed():
    torch.manual_seed(0)
    student, teacher, s_stages, t_stages, slots = setting()
    hints = ReviewHints(s_stages, t_stages, slots)
    image = torch.randn(2, 3, 64, 64)
    s_feats = backbone_features(student, image)
    with torch.no_grad():
        t_feats = backbone_features(teacher, image)
    losses = hints(s_feats, t_feats, None, NORM, 5)
    # reference: the fusions applied by hand, deepest first
    hcl = HierarchicalContextLoss()
    out3, fused3 = hints.fusions[2](s_feats['backbone.3'])
    out2, fused2 = hints.fusions[1](s_feats['backbone.2'], fused3)
    out1, _ = hints.fusions[0](s_feats['backbone.1'], fused2)
    for loss, out, name in zip(losses, (out1, out2, out3),
                               ('backbone.1', 'backbone.2', 'backbone.3')):
        torch.testing.assert_close(loss, hcl(NORM(out), NORM(t_feats[name])))
    # the shallowest term reaches the deepest student stage (the review)
    grad, = torch.autograd.grad(losses[0], s_feats['backbone.3'],
                                retain_graph=True)
    assert grad.abs().sum() > 0
    sum(losses).backward()
    assert all(p.grad is not None for p in hints.parameters())
    assert student.backbone.layer4[0].conv1.weight.grad is not None
    assert student.backbone.layer1[0].conv1.weight.grad is None  # C2 unread
    assert all(p.grad is None for p in teacher.parameters())


def test_a_stride_the_student_lacks_is_a_clear_error():
    _, _, s_stages, t_stages, slots = setting()
    with pytest.raises(ValueError, match='strides \\[32\\]'):
        ReviewHints(s_stages[:3], t_stages, slots)
