"""The stage-weight modes of :class:`MacroReweighting`, one function each,
found by name in :data:`STAGE_WEIGHT_MODES`.

Every mode has the signature of :class:`StageWeightMode`. Shares are taken
*within a group* (backbone stages among themselves, neck levels among
themselves): adding a group of stages never changes the weights of another.
"""
from typing import Callable, Dict, NamedTuple, Optional, Sequence, Tuple

import torch

__all__ = ['StageWeightMode', 'STAGE_WEIGHT_MODES', 'group_membership',
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
    without running means), the (K, K) group-membership matrix
    (:func:`group_membership`) and, for ``uncertainty``, its (K,) learnable
    log-variances; it returns the (K,) weighted terms (their sum is the
    distillation loss) and the (K,) detached lambdas that are logged.
    """
    weigh: Weighting
    running_mean: bool


def group_membership(groups: Sequence[str]) -> torch.Tensor:
    """(K, K) membership matrix M with M[k, j] = 1 where stages k and j are in
    the same group, else 0 (:func:`group_mean` averages with it, a few
    elementwise operations per step and no host read)."""
    return torch.tensor([[float(a == b) for b in groups] for a in groups])


def group_mean(values: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """(K,) the mean of ``values`` over each entry's group (``groups``: the
    matrix of :func:`group_membership`): the group's sum divided by its size,
    as ``Tensor.mean`` computes it (the same bits where all stages form one
    group)."""
    # Elementwise, not ``@``: under bf16 autocast a matmul runs in bf16
    # (0.2 becomes 0.2002), and the stage weights must not depend on it.
    members = groups.to(values.dtype)
    return (members * values).sum(dim=1) / members.sum(dim=1)


def fixed(losses, weights, means, groups, log_vars):
    """lambda_k = the stage's weight."""
    return weights * losses, weights.clone()


def gap(losses, weights, means, groups, log_vars):
    """lambda_k = w_k * m_k / mean_{j in group} m_j: a stage weighs in
    proportion to how far the student still is from it, so a stage it
    already matches loses weight instead of gaining it."""
    lambdas = weights * (means / (group_mean(means, groups) + 1e-12))
    return lambdas * losses, lambdas.detach().clone()


def balanced(losses, weights, means, groups, log_vars):
    """lambda_k = w_k * mean_{j in group} m_j / m_k: every stage of a group
    gets a comparable gradient share, the group's total keeps the
    magnitude of its unweighted sum; m_k is floored at the group mean /
    ``MAX_BALANCE`` so that a stage whose loss is ~0 gets a bounded
    weight."""
    overall = group_mean(means, groups)
    floor = overall / MAX_BALANCE + 1e-12
    lambdas = weights * (overall / means.clamp_min(floor))
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
