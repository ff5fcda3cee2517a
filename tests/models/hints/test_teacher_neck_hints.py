"""TeacherNeckHints: student stages through the teacher's frozen neck."""
import pytest
import torch
import torch.nn.functional as F

from helpers import build, tiny_retinanet
from hgd_mm.models.connectors import get_normalization
from hgd_mm.models.hints import TeacherNeckHints, neck_input_slots
from hgd_mm.models.stages import probe_stages

NORM = get_normalization('batch_channel_std')


def setting():
    student = build(tiny_retinanet(18, 8, 16))
    teacher = build(tiny_retinanet(50, 16, 16))
    teacher.requires_grad_(False)  # as MMRazor freezes it
    s_stages = [s for s in probe_stages(student) if s.source == 'backbone']
    t_stages = [t for t in probe_stages(teacher) if t.source == 'backbone']
    slots = neck_input_slots(teacher.neck, len(t_stages))
    return student, teacher, s_stages, t_stages, slots


def features(model, image):
    backbone = model.backbone(image)
    neck = model.neck(backbone)
    out = {f'backbone.{i}': x for i, x in enumerate(backbone)}
    out.update({f'neck.{i}': x for i, x in enumerate(neck)})
    return out


def test_only_the_stages_the_neck_reads_are_bridged():
    _, teacher, s_stages, t_stages, slots = setting()
    assert slots == [1, 2, 3]  # FPN start_level=1: C2 is never read
    hints = TeacherNeckHints(s_stages, t_stages, slots)
    assert [s for s, _ in hints.sources] == [
        'backbone.1', 'backbone.2', 'backbone.3']
    assert len(hints.bridges) == 3


def test_loss_matches_a_reference_and_only_the_student_side_learns():
    torch.manual_seed(0)
    student, teacher, s_stages, t_stages, slots = setting()
    hints = TeacherNeckHints(s_stages, t_stages, slots)
    image = torch.randn(2, 3, 64, 64)
    s_feats = features(student, image)
    with torch.no_grad():
        t_feats = features(teacher, image)
    losses = hints(s_feats, t_feats, teacher.neck, NORM, 5)
    # reference: bridged inputs by hand, the neck, standardised MSE
    inputs = [t_feats['backbone.0']] + [
        bridge(s_feats[name]) for (name, _), bridge in zip(hints.sources,
                                                           hints.bridges)]
    levels = teacher.neck(inputs)
    for level, loss in zip(range(5), losses):
        expected = F.mse_loss(NORM(levels[level]),
                              NORM(t_feats[f'neck.{level}']))
        torch.testing.assert_close(loss, expected)
    sum(losses).backward()
    assert all(p.grad is not None for p in hints.parameters())
    assert student.backbone.layer2[0].conv1.weight.grad is not None
    assert student.backbone.layer1[0].conv1.weight.grad is None  # C2 unread
    assert all(p.grad is None for p in teacher.parameters())


def test_the_teacher_own_stages_give_zero_hints():
    _, teacher, _, t_stages, slots = setting()
    image = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        t_feats = features(teacher, image)
    hints = TeacherNeckHints(t_stages, t_stages, slots)
    for bridge in hints.bridges:  # identity bridges
        bridge.conv.weight.data = torch.eye(bridge.conv.weight.shape[0])[
            ..., None, None]
        bridge.bn.eval()
        bridge.bn.running_var.fill_(1 - bridge.bn.eps)
    losses = hints(t_feats, t_feats, teacher.neck, NORM, 5)
    assert max(loss.item() for loss in losses) < 1e-8


def test_a_stride_the_student_lacks_is_a_clear_error():
    _, _, s_stages, t_stages, slots = setting()
    with pytest.raises(ValueError, match='strides \\[32\\]'):
        TeacherNeckHints(s_stages[:3], t_stages, slots)
