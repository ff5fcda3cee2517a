"""CrossHeadLoss and its bounded distance."""
import torch

from hgd_mm.models.losses import (CrossHeadLoss, bernoulli_hellinger,
                                  categorical_hellinger)


def test_hellinger_matches_its_definition_and_is_bounded():
    s = torch.randn(1000, dtype=torch.float64) * 6
    t = torch.randn(1000, dtype=torch.float64) * 6
    p, q = torch.sigmoid(s), torch.sigmoid(t)
    expected = 1 - torch.sqrt(p * q) - torch.sqrt((1 - p) * (1 - q))
    torch.testing.assert_close(bernoulli_hellinger(s, t), expected)
    assert bernoulli_hellinger(s, s).abs().max() < 1e-12  # 0 at a match
    extreme = torch.tensor([-80.0, 80.0, 0.0], requires_grad=True)
    distance = bernoulli_hellinger(extreme, torch.tensor([80.0, -80.0, 0.0]))
    assert distance.max() <= 1 and distance.min() >= 0
    distance.sum().backward()
    assert torch.isfinite(extreme.grad).all()


def test_loss_per_level_reaches_the_student_only():
    student = [torch.randn(2, 6, 4, 4, requires_grad=True),
               torch.randn(2, 6, 2, 2, requires_grad=True)]
    teacher = [torch.randn(2, 6, 4, 4, requires_grad=True),
               torch.randn(2, 6, 2, 2, requires_grad=True)]
    losses = CrossHeadLoss()(student, teacher)
    assert len(losses) == 2
    for s, t, loss in zip(student, teacher, losses):
        # mean over images and positions of the sum over channels
        expected = bernoulli_hellinger(s, t).sum(1).mean()
        torch.testing.assert_close(loss, expected)
        assert 0 <= loss.item() <= 6
    sum(losses).backward()
    assert all(s.grad is not None for s in student)
    assert all(t.grad is None for t in teacher)
    same = CrossHeadLoss()([teacher[0].detach()], [teacher[0]])
    assert same[0].item() < 1e-6


def test_categorical_hellinger_matches_a_loop_over_anchors():
    """The slow obvious reference: per anchor, 1 - sum_c sqrt(p_c q_c)."""
    s = torch.randn(2, 3, 5, 4, 4, dtype=torch.float64) * 4
    t = torch.randn(2, 3, 5, 4, 4, dtype=torch.float64) * 4
    expected = torch.empty(2, 3, 4, 4, dtype=torch.float64)
    for b in range(2):
        for a in range(3):
            for y in range(4):
                for x in range(4):
                    p = torch.softmax(s[b, a, :, y, x], 0)
                    q = torch.softmax(t[b, a, :, y, x], 0)
                    expected[b, a, y, x] = 1 - torch.sqrt(p * q).sum()
    torch.testing.assert_close(categorical_hellinger(s, t, dim=2), expected)
    assert categorical_hellinger(s, s, dim=2).abs().max() < 1e-12
    far = categorical_hellinger(torch.tensor([[90.0, -90.0]]),
                                torch.tensor([[-90.0, 90.0]]), dim=1)
    assert 0.999 < far.item() <= 1


def test_softmax_head_loss_compares_each_anchors_categorical():
    """A softmax head (SSD-like: 3 anchors x (4 classes + background)):
    the distance is per anchor over its 5 channels, not per channel."""
    anchors, channels = 3, 5
    student = [torch.randn(2, anchors * channels, 4, 4, requires_grad=True)]
    teacher = [torch.randn(2, anchors * channels, 4, 4, requires_grad=True)]
    (loss, ) = CrossHeadLoss()(student, teacher, softmax_channels=channels)
    shape = (2, anchors, channels, 4, 4)
    expected = categorical_hellinger(student[0].reshape(shape),
                                     teacher[0].reshape(shape),
                                     dim=2).sum(1).mean()
    torch.testing.assert_close(loss, expected)
    assert 0 <= loss.item() <= anchors  # at most 1 per anchor
    sigmoid = CrossHeadLoss()(student, teacher)[0]
    assert not torch.allclose(loss, sigmoid)  # the head's kind matters
    loss.backward()
    assert student[0].grad is not None and teacher[0].grad is None
    # Logits shifted by a constant per anchor: the same softmax, no loss
    # (a Bernoulli per channel would count every shift).
    shifted = (teacher[0].detach().reshape(shape) + 3.0).reshape(
        2, anchors * channels, 4, 4)
    (same, ) = CrossHeadLoss()([shifted], [teacher[0]], channels)
    assert same.item() < 1e-6


def test_softmax_channels_that_do_not_divide_the_logits_are_an_error():
    import pytest
    logits = [torch.randn(1, 10, 2, 2)]
    with pytest.raises(ValueError, match='10 class-logit channels are not '
                       'anchors x 4'):
        CrossHeadLoss()(logits, logits, softmax_channels=4)
