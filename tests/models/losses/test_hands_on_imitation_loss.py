import math

import pytest
import torch

from hgd_mm.models import HandsOnImitationLoss


def reference_loss(student, teacher, weights, alpha, gamma, attention,
                   student_raw, teacher_raw):
    """The formula, written out with explicit loops."""
    batch, channels, height, width = student.shape
    feature = 0.0
    for b in range(batch):
        for h in range(height):
            for w in range(width):
                mean_c = sum((student[b, c, h, w] - teacher[b, c, h, w])**2
                             for c in range(channels)) / channels
                weight = (weights[b, h, w] if weights is not None else 1.0 /
                          (height * width))
                feature += weight * mean_c
    feature /= batch

    def cosine(u, v):
        dot = sum(a * b for a, b in zip(u, v))
        return dot / math.sqrt(sum(a * a for a in u) * sum(b * b for b in v))

    def spatial(f, b):
        return [sum(f[b, c, h, w]**2 for c in range(channels)) / channels
                for h in range(height) for w in range(width)]

    def channel(f, b):
        return [sum(f[b, c, h, w]**2 for h in range(height)
                    for w in range(width)) / (height * width)
                for c in range(channels)]

    term = 0.0
    for b in range(batch):
        distance = 1 - cosine(spatial(student_raw, b), spatial(teacher_raw, b))
        if attention == 'spatial_channel':
            distance = (distance + 1 - cosine(channel(student_raw, b),
                                              channel(teacher_raw, b))) / 2
        term += distance / batch
    return alpha * feature + gamma * term


@pytest.mark.parametrize('attention', ['spatial', 'spatial_channel'])
@pytest.mark.parametrize('use_weights', [False, True])
def test_matches_loop_reference(use_weights, attention):
    generator = torch.Generator().manual_seed(0)
    shape = (2, 3, 4, 5)
    student, teacher, student_raw, teacher_raw = (torch.randn(
        shape, generator=generator, dtype=torch.float64) for _ in range(4))
    weights = (torch.rand(2, 4, 5, generator=generator, dtype=torch.float64)
               if use_weights else None)
    loss = HandsOnImitationLoss(alpha=0.7, gamma=1.3, attention=attention)
    expected = reference_loss(student, teacher, weights, 0.7, 1.3, attention,
                              student_raw, teacher_raw)
    assert loss(student, teacher, weights, student_raw,
                teacher_raw).item() == pytest.approx(float(expected),
                                                     rel=1e-9)


def test_attention_term_is_scale_free_and_bounded():
    generator = torch.Generator().manual_seed(4)
    student = torch.randn(3, 8, 6, 6, generator=generator)
    teacher = torch.randn(3, 8, 6, 6, generator=generator).relu()
    loss = HandsOnImitationLoss(alpha=0.0, gamma=1.0,
                                attention='spatial_channel')
    term = loss(student, teacher)
    assert 0 <= term.item() <= 1
    assert loss(student * 37.0, teacher * 0.01).item() == pytest.approx(
        term.item(), rel=1e-5)
    assert loss(teacher * 5.0, teacher).item() == pytest.approx(0, abs=1e-6)


def test_attention_gradient_reaches_the_raw_student_only():
    generator = torch.Generator().manual_seed(5)
    student_hat, teacher_hat, student_raw, teacher_raw = (torch.randn(
        2, 4, 5, 5, generator=generator, requires_grad=True)
                                                          for _ in range(4))
    HandsOnImitationLoss(alpha=0.0, gamma=1.0, attention='spatial')(
        student_hat, teacher_hat, None, student_raw, teacher_raw).backward()
    assert student_raw.grad is not None and student_raw.grad.abs().sum() > 0
    assert teacher_raw.grad is None and teacher_hat.grad is None
    # alpha=0: the standardised maps only feed the feature term.
    assert student_hat.grad is None or not student_hat.grad.any()


def test_gamma_zero_is_weighted_l2():
    student, teacher = torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3)
    loss = HandsOnImitationLoss(gamma=0.0)
    assert loss(student, teacher).item() == pytest.approx(
        torch.nn.functional.mse_loss(student, teacher).item(), rel=1e-5)


def test_exactly_zero_when_student_equals_teacher():
    teacher = torch.randn(3, 8, 6, 7)
    weights = torch.rand(3, 6, 7)
    for attention in ('channel_distribution', 'spatial'):
        loss = HandsOnImitationLoss(attention=attention)(teacher.clone(),
                                                         teacher, weights)
        assert loss.item() == pytest.approx(0.0, abs=1e-6)  # rounding
    feature_only = HandsOnImitationLoss(gamma=0.0)
    assert feature_only(teacher.clone(), teacher, weights).item() == 0.0


def test_gradient_reaches_student_never_teacher():
    student = torch.randn(2, 4, 5, 5, requires_grad=True)
    teacher = torch.randn(2, 4, 5, 5, requires_grad=True)
    HandsOnImitationLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


@pytest.mark.parametrize('kwargs', [dict(attention='channel'),
                                    dict(alpha=-1.0), dict(gamma=-0.1)])
def test_impossible_options_are_refused(kwargs):
    with pytest.raises(ValueError, match='HandsOnImitationLoss'):
        HandsOnImitationLoss(**kwargs)


def test_unaligned_maps_are_refused():
    with pytest.raises(ValueError, match='aligned'):
        HandsOnImitationLoss()(torch.zeros(1, 2, 3, 3),
                               torch.zeros(1, 2, 4, 4))


@pytest.mark.parametrize('use_weights', [False, True])
def test_feature_term_has_the_bits_of_the_plain_formula(use_weights):
    # The fused form (mse_loss, sum / C) must not move the loss or the
    # student's gradient by even one ulp: fixed-seed trainings stay equal.
    generator = torch.Generator().manual_seed(1)
    shape = (8, 64, 40, 40)  # the mini setting's largest stage
    student = torch.randn(shape, generator=generator) * 3
    teacher = torch.randn(shape, generator=generator)
    weights = (torch.rand(8, 40, 40, generator=generator)
               if use_weights else None)
    fused, plain = (student.clone().requires_grad_() for _ in range(2))
    loss = HandsOnImitationLoss(gamma=0.0)
    fused_loss = loss(fused, teacher, weights)
    squared_error = (plain - teacher).pow(2).mean(dim=1)
    plain_loss = ((weights * squared_error).sum() / 8 if use_weights else
                  squared_error.sum() / (8 * 40 * 40))
    (fused_loss * 1.7).backward()
    (plain_loss * 1.7).backward()
    assert torch.equal(fused_loss, plain_loss)
    assert torch.equal(fused.grad, plain.grad)


def reference_channel_distribution(student_raw, teacher_raw, tau):
    """tau^2 KL(p_T || p_S) per (image, channel), p a softmax over the
    positions, averaged: written out with loops."""
    batch, channels = student_raw.shape[:2]
    total = 0.0
    for b in range(batch):
        for c in range(channels):
            s = [v / tau for v in student_raw[b, c].flatten().tolist()]
            t = [v / tau for v in teacher_raw[b, c].flatten().tolist()]
            s_norm = math.log(sum(math.exp(v) for v in s))
            t_norm = math.log(sum(math.exp(v) for v in t))
            total += sum(
                math.exp(tv - t_norm) * ((tv - t_norm) - (sv - s_norm))
                for sv, tv in zip(s, t))
    return tau**2 * total / (batch * channels)


@pytest.mark.parametrize('tau', [1.0, 2.5])
def test_channel_distribution_matches_loop_reference(tau):
    generator = torch.Generator().manual_seed(7)
    student, teacher, student_raw, teacher_raw = (torch.randn(
        2, 3, 4, 5, generator=generator, dtype=torch.float64)
        for _ in range(4))
    weights = torch.rand(2, 4, 5, generator=generator, dtype=torch.float64)
    loss = HandsOnImitationLoss(alpha=0.7, gamma=1.3,
                                attention='channel_distribution', tau=tau)
    feature_only = HandsOnImitationLoss(alpha=0.7, gamma=0.0)
    expected = (feature_only(student, teacher, weights).item() +
                1.3 * reference_channel_distribution(student_raw,
                                                     teacher_raw, tau))
    assert loss(student, teacher, weights, student_raw,
                teacher_raw).item() == pytest.approx(expected, rel=1e-9)


def test_channel_distribution_matches_mmrazor_cwd():
    # The same number as MMRazor's ChannelWiseDivergence at loss_weight 1.
    from mmrazor.models.losses import ChannelWiseDivergence
    generator = torch.Generator().manual_seed(8)
    student, teacher = (torch.randn(3, 6, 5, 4, generator=generator)
                        for _ in range(2))
    ours = HandsOnImitationLoss(alpha=0.0, gamma=1.0,
                                attention='channel_distribution', tau=2.0)
    theirs = ChannelWiseDivergence(tau=2.0, loss_weight=1.0)
    assert ours(student, teacher).item() == pytest.approx(
        theirs(student, teacher).item(), rel=1e-5)


def test_channel_distribution_is_shift_free_and_zero_on_the_teacher():
    generator = torch.Generator().manual_seed(9)
    student, teacher = (torch.randn(2, 4, 6, 6, generator=generator)
                        for _ in range(2))
    loss = HandsOnImitationLoss(alpha=0.0, gamma=1.0,
                                attention='channel_distribution')
    term = loss(student, teacher).item()
    assert term > 0
    # a per-channel offset does not move where a channel fires
    offset = torch.randn(2, 4, 1, 1, generator=generator) * 10
    assert loss(student + offset, teacher).item() == pytest.approx(
        term, rel=1e-4)
    assert loss(teacher + offset, teacher).item() == pytest.approx(
        0.0, abs=1e-5)


def test_channel_distribution_gradient_reaches_the_raw_student_only():
    generator = torch.Generator().manual_seed(10)
    student_hat, teacher_hat, student_raw, teacher_raw = (torch.randn(
        2, 4, 5, 5, generator=generator, requires_grad=True)
        for _ in range(4))
    HandsOnImitationLoss(alpha=0.0, gamma=1.0,
                         attention='channel_distribution')(
        student_hat, teacher_hat, None, student_raw, teacher_raw).backward()
    assert student_raw.grad is not None and student_raw.grad.abs().sum() > 0
    assert teacher_raw.grad is None and teacher_hat.grad is None


def test_non_positive_tau_is_refused():
    with pytest.raises(ValueError, match='tau=0'):
        HandsOnImitationLoss(attention='channel_distribution', tau=0)


def test_default_is_hgd_v3s_channel_distribution_term():
    # The defaults are the method's: the feature term plus gamma=1 times the
    # channel-distribution term at tau=1.
    generator = torch.Generator().manual_seed(11)
    student, teacher, student_raw, teacher_raw = (torch.randn(
        2, 3, 4, 5, generator=generator, dtype=torch.float64)
        for _ in range(4))
    expected = (HandsOnImitationLoss(gamma=0.0)(student, teacher).item() +
                reference_channel_distribution(student_raw, teacher_raw, 1.0))
    assert HandsOnImitationLoss()(student, teacher, None, student_raw,
                                  teacher_raw).item() == pytest.approx(
                                      expected, rel=1e-9)


def test_channel_distribution_takes_non_contiguous_maps():
    # Maps from a channels_last model are not contiguous (MMRazor's
    # ChannelWiseDivergence views them and fails): the same number as the
    # contiguous maps.
    generator = torch.Generator().manual_seed(12)
    student, teacher = (torch.randn(2, 4, 5, 6, generator=generator)
                        for _ in range(2))
    loss = HandsOnImitationLoss(alpha=0.0)
    channels_last = [x.contiguous(memory_format=torch.channels_last)
                     for x in (student, teacher)]
    assert not channels_last[0].is_contiguous()
    assert loss(*channels_last).item() == pytest.approx(
        loss(student, teacher).item(), rel=1e-6)
