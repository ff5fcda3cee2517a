"""HierarchicalContextLoss against a slow reference: pooled means by hand."""
import pytest
import torch

from hgd_mm.models.losses import HierarchicalContextLoss


def pooled_by_hand(x, grid):
    """Average over grid cells with explicit loops (sizes divisible)."""
    b, c, h, w = x.shape
    out = torch.zeros(b, c, grid, grid)
    for i in range(grid):
        for j in range(grid):
            cell = x[:, :, i * h // grid:(i + 1) * h // grid,
                     j * w // grid:(j + 1) * w // grid]
            out[:, :, i, j] = cell.mean(dim=(2, 3))
    return out


def reference(s, t, grids):
    loss = ((s - t)**2).mean()
    total, weight = 1.0, 1.0
    for grid in grids:
        if grid >= s.shape[-2]:
            continue
        weight /= 2
        loss = loss + weight * ((pooled_by_hand(s, grid) -
                                 pooled_by_hand(t, grid))**2).mean()
        total += weight
    return loss / total


@pytest.mark.parametrize('size', [8, 4, 2, 1])
def test_matches_the_reference_and_skips_grids_as_large_as_the_map(size):
    torch.manual_seed(size)
    s, t = torch.randn(2, 3, size, size), torch.randn(2, 3, size, size)
    loss = HierarchicalContextLoss()(s, t)
    torch.testing.assert_close(loss, reference(s, t, (4, 2, 1)))
    if size == 1:  # only the full-resolution term is left
        torch.testing.assert_close(loss, ((s - t)**2).mean())


def test_context_terms_see_what_a_shifted_pattern_keeps():
    # a pattern moved within its grid cell: the same pooled context, so
    # the loss is below the full-resolution MSE alone
    t = torch.zeros(1, 1, 8, 8)
    t[..., 0, 0] = 1.0
    s = torch.zeros(1, 1, 8, 8)
    s[..., 1, 1] = 1.0
    loss = HierarchicalContextLoss()(s, t)
    assert loss.item() < ((s - t)**2).mean().item()
    assert loss.item() == pytest.approx(((s - t)**2).mean().item() / 1.875)


def test_the_teacher_side_gets_no_gradient_and_bad_input_is_named():
    s = torch.randn(2, 3, 8, 8, requires_grad=True)
    t = torch.randn(2, 3, 8, 8, requires_grad=True)
    HierarchicalContextLoss()(s, t).backward()
    assert s.grad is not None and t.grad is None
    with pytest.raises(ValueError, match='align them first'):
        HierarchicalContextLoss()(s, t[:, :2])
    with pytest.raises(ValueError, match='grid sizes >= 1'):
        HierarchicalContextLoss(grids=(4, 0))
