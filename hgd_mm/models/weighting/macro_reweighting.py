"""Macro re-weighting across stages: fixed, balanced or uncertainty."""
from typing import Optional, Sequence, Tuple

import torch
from mmengine.dist import all_reduce
from torch import nn

from mmrazor.registry import MODELS

MODES = ('fixed', 'balanced', 'uncertainty')
MAX_BALANCE = 100.0


@MODELS.register_module()
class MacroReweighting(nn.Module):
    """Stage weights lambda_k applied to the per-stage imitation losses L_k.

    Modes:
    - ``fixed``: lambda_k = stage_weights[k].
    - ``balanced``: each stage loss is divided by a detached running mean of
      itself, so every stage gets a comparable gradient share. We multiply by
      the mean of the running means, which keeps the total's magnitude that of
      the unweighted sum (only the shares change):
      lambda_k = stage_weights[k] * mean_j(m_j) / m_k, with m_k floored at
      mean_j(m_j) / 100 so that a stage whose loss is ~0 gets a bounded weight.
    - ``uncertainty``: learnable log-variances s_k (Kendall et al.):
      stage_weights[k] * (exp(-s_k) L_k + s_k); lambda_k = exp(-s_k).

    ``stage_weights`` defaults to 1/K for K stages, so the total does not grow
    with the number of stages distilled (and all-stage vs FPN-only ablations
    compare at the same scale).

    Args:
        num_stages: K.
        mode: ``'fixed'`` (default, as in ``HGDDistiller``), ``'balanced'``
            or ``'uncertainty'``.
        stage_weights: K non-negative weights; defaults to 1/K each.
        momentum: EMA momentum of the balanced running means. Defaults to 0.99
            (bias-corrected, so the first steps use the true mean so far).
    """

    def __init__(self,
                 num_stages: int,
                 mode: str = 'fixed',
                 stage_weights: Optional[Sequence[float]] = None,
                 momentum: float = 0.99) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'MacroReweighting: mode={mode!r} is unknown; '
                             f'use one of {MODES}.')
        if stage_weights is None:
            stage_weights = [1.0 / num_stages] * num_stages
        if len(stage_weights) != num_stages:
            raise ValueError(
                f'MacroReweighting: {len(stage_weights)} stage_weights given '
                f'for {num_stages} distilled stages; give one per stage (in '
                f'the order of the distiller\'s pairs) or leave it None.')
        if any(w < 0 for w in stage_weights):
            raise ValueError(f'MacroReweighting: stage_weights '
                             f'{list(stage_weights)} must be >= 0.')
        if not 0 <= momentum < 1:
            raise ValueError(f'MacroReweighting: momentum={momentum} must be '
                             f'in [0, 1).')
        self.mode = mode
        self.momentum = momentum
        self.register_buffer('stage_weights',
                             torch.tensor(stage_weights, dtype=torch.float32))
        self.register_buffer('running_mean', torch.zeros(num_stages))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))
        if mode == 'uncertainty':
            self.log_vars = nn.Parameter(torch.zeros(num_stages))

    @torch.no_grad()
    def update_running_mean(self, stage_losses: torch.Tensor) -> None:
        values = stage_losses.detach().float().clone()
        # Same running means on every rank: DDP ranks must agree on lambda.
        all_reduce(values, op='mean')
        self.running_mean.mul_(self.momentum).add_(values,
                                                   alpha=1 - self.momentum)
        self.num_updates += 1

    def balanced_means(self) -> torch.Tensor:
        correction = 1 - self.momentum**self.num_updates.clamp_min(1).item()
        return self.running_mean / correction

    def forward(
            self,
            stage_losses: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        Args:
            stage_losses: (K,) per-stage imitation losses L_k.

        Returns:
            weighted (K,) per-stage terms whose sum is the distillation loss,
            and lambdas (K,) the detached stage weights, for logging.
        """
        if self.mode == 'fixed':
            lambdas = self.stage_weights
            return lambdas * stage_losses, lambdas.clone()
        if self.mode == 'balanced':
            if self.training:
                self.update_running_mean(stage_losses)
            means = self.balanced_means()
            overall = means.mean()
            # A stage whose loss is (nearly) always 0 would get an unbounded
            # weight; cap the balancing factor at MAX_BALANCE.
            floor = overall / MAX_BALANCE + 1e-12
            lambdas = self.stage_weights * overall / means.clamp_min(floor)
            return lambdas * stage_losses, lambdas.detach().clone()
        precision = torch.exp(-self.log_vars)
        weighted = self.stage_weights * (precision * stage_losses +
                                         self.log_vars)
        return weighted, precision.detach().clone()
