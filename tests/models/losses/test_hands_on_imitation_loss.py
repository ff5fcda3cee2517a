import math

import pytest
import torch

from hgd_mm.models import HandsOnImitationLoss


def reference_loss(student, teacher, weights, alpha, gamma, tau):
    """The method text, written out with explicit loops."""
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

    def spatial(f, b):
        logits = [[sum(abs(f[b, c, h, w]) for c in range(channels)) /
                   channels / tau for w in range(width)]
                  for h in range(height)]
        z = sum(math.exp(v) for row in logits for v in row)
        return [[height * width * math.exp(v) / z for v in row]
                for row in logits]

    def channel(f, b):
        logits = [sum(abs(f[b, c, h, w]) for h in range(height)
                      for w in range(width)) / (height * width) / tau
                  for c in range(channels)]
        z = sum(math.exp(v) for v in logits)
        return [channels * math.exp(v) / z for v in logits]

    spatial_l1 = channel_l1 = 0.0
    for b in range(batch):
        a_s, a_t = spatial(student, b), spatial(teacher, b)
        spatial_l1 += sum(abs(a_s[h][w] - a_t[h][w]) for h in range(height)
                          for w in range(width))
        c_s, c_t = channel(student, b), channel(teacher, b)
        channel_l1 += sum(abs(c_s[c] - c_t[c]) for c in range(channels))
    attention = (spatial_l1 / (batch * height * width) + channel_l1 /
                 (batch * channels))
    return alpha * feature + gamma * attention


@pytest.mark.parametrize('use_weights', [False, True])
def test_matches_loop_reference(use_weights):
    generator = torch.Generator().manual_seed(0)
    student = torch.randn(2, 3, 4, 5, generator=generator, dtype=torch.float64)
    teacher = torch.randn(2, 3, 4, 5, generator=generator, dtype=torch.float64)
    weights = (torch.rand(2, 4, 5, generator=generator, dtype=torch.float64)
               if use_weights else None)
    loss = HandsOnImitationLoss(alpha=0.7, gamma=1.3, tau=0.4)
    expected = reference_loss(student, teacher, weights,
                              0.7, 1.3, 0.4)
    assert loss(student, teacher, weights).item() == pytest.approx(
        float(expected), rel=1e-9)


def test_gamma_zero_is_weighted_l2():
    student, teacher = torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3)
    loss = HandsOnImitationLoss(gamma=0.0)
    assert loss(student, teacher).item() == pytest.approx(
        torch.nn.functional.mse_loss(student, teacher).item(), rel=1e-5)


def test_exactly_zero_when_student_equals_teacher():
    teacher = torch.randn(3, 8, 6, 7)
    weights = torch.rand(3, 6, 7)
    loss = HandsOnImitationLoss()(teacher.clone(), teacher, weights)
    assert loss.item() == 0.0


def test_gradient_reaches_student_never_teacher():
    student = torch.randn(2, 4, 5, 5, requires_grad=True)
    teacher = torch.randn(2, 4, 5, 5, requires_grad=True)
    HandsOnImitationLoss()(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


@pytest.mark.parametrize('kwargs', [dict(tau=0), dict(tau=-1.0),
                                    dict(alpha=-1.0), dict(gamma=-0.1)])
def test_impossible_options_are_refused(kwargs):
    with pytest.raises(ValueError, match='must be'):
        HandsOnImitationLoss(**kwargs)


def test_unaligned_maps_are_refused():
    with pytest.raises(ValueError, match='aligned'):
        HandsOnImitationLoss()(torch.zeros(1, 2, 3, 3), torch.zeros(1, 2, 4, 4))


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
