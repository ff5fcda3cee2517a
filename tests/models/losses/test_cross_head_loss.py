"""CrossHeadLoss and its bounded distance."""
import torch

from hgd_mm.models.losses import CrossHeadLoss, bernoulli_hellinger


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
