"""The stage-weight modes of :class:`MacroReweighting`, one function each,
found by name in :data:`STAGE_WEIGHT_MODES`.

Every mode has the signature of :class:`StageWeightMode`. Shares are taken
*within a group* (backbone stages among themselves, neck levels among
themselves): adding a group of stages never changes the weights of another.
"""
from typing import Callable, Dict, NamedTuple, Optional, Sequence, Tuple

import torch

__all__ = ['StageWeightMode', 'STAGE_WEIGHT_MODES', 'group_averaging',
           'group_mean', 'MAX_BALANCE']

#: ``balanced`` caps a stage's factor at this multiple of its group's mean.
MAX_BALANCE = 100.0

Weighting = Callable[
    [torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor,
     Optional[torch.Tensor]], Tuple[torch.Tensor, torch.Tensor]]


class StageWeightMode(NamedTuple):
    """A mode: its function and whether it reads running means.

    ``weigh(losses, weights, means, groups, log_vars)`` gets the (K,) stage
    losses L_k, the (K,) scheduled stage weights, the (K,) detached
    running means (or this step's losses before any update; None for modes
    without running means), the (K, K) group-averaging matrix
    (:func:`group_averaging`) and, for ``uncertainty``, its (K,) learnable
    log-variances; it returns the (K,) weighted terms (their sum is the
    distillation loss) and the (K,) detached lambdas that are logged.
    """
    weigh: Weighting
    running_mean: bool


def group_averaging(groups: Sequence[str]) -> torch.Tensor:
    """(K, K) matrix A with A[k, j] = 1 / K_g where stages k and j are both
    in group g (of K_g stages), else 0: ``A @ v`` is each entry's group
    mean, one matrix product per step and no host read."""
    same = torch.tensor([[float(a == b) for b in groups] for a in groups])
    return same / same.sum(dim=1, keepdim=True)


def group_mean(values: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """(K,) the mean of ``values`` over each entry's group (``groups``: the
    matrix of :func:`group_averaging`)."""
    return groups.to(values.dtype) @ values


def fixed(losses, weights, means, groups, log_vars):
    """lambda_k = the stage's weight."""
    return weights * losses, weights.clone()


def gap(losses, weights, means, groups, log_vars):
    """lambda_k = w_k * m_k / mean_{j in group} m_j: a stage weighs in
    proportion to how far the student still is from it, so a stage it
    already matches loses weight instead of gaining it."""
    lambdas = weights * means / (group_mean(means, groups) + 1e-12)
    return lambdas * losses, lambdas.detach().clone()


def balanced(losses, weights, means, groups, log_vars):
    """lambda_k = w_k * mean_{j in group} m_j / m_k: every stage of a group
    gets a comparable gradient share, the group's total keeps the
    magnitude of its unweighted sum; m_k is floored at the group mean /
    ``MAX_BALANCE`` so that a stage whose loss is ~0 gets a bounded
    weight."""
    overall = group_mean(means, groups)
    floor = overall / MAX_BALANCE + 1e-12
    lambdas = weights * overall / means.clamp_min(floor)
    return lambdas * losses, lambdas.detach().clone()


def uncertainty(losses, weights, means, groups, log_vars):
    """Learnable log-variances s_k (Kendall et al.): w_k * (exp(-s_k) L_k +
    s_k); lambda_k = exp(-s_k)."""
    precision = torch.exp(-log_vars)
    weighted = weights * (precision * losses + log_vars)
    return weighted, precision.detach().clone()


STAGE_WEIGHT_MODES: Dict[str, StageWeightMode] = {
    'fixed': StageWeightMode(fixed, running_mean=False),
    'gap': StageWeightMode(gap, running_mean=True),
    'balanced': StageWeightMode(balanced, running_mean=True),
    'uncertainty': StageWeightMode(uncertainty, running_mean=False),
}
