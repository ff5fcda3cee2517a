"""Macro re-weighting across stages and over training: stage weights by
mode (:mod:`.stage_weight_modes`), within each group of stages, and
per-group weights and schedules."""
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.dist import all_reduce
from torch import nn

from mmrazor.registry import MODELS
from .distill_schedule import DistillWeightSchedule
from .stage_weight_modes import STAGE_WEIGHT_MODES, group_membership

__all__ = ['MacroReweighting']


@MODELS.register_module()
class MacroReweighting(nn.Module):
    """Stage weights lambda_k applied to the per-stage imitation losses L_k.

    Stages come in groups (``'backbone'`` and ``'neck'``, as the distiller
    tells from ``stage_groups``; one group ``'all'`` when none are given),
    and every group is weighed on its own: its stage weights default to
    1/K_g for its K_g stages, and the modes take their shares within the
    group. So the neck levels weigh the same whether or not backbone stages
    are distilled beside them: a group added never dilutes another.

    Modes (:data:`.stage_weight_modes.STAGE_WEIGHT_MODES`, one function
    each; m_k is a detached, bias-corrected running mean of L_k):

    - ``fixed``: lambda_k = stage_weights[k].
    - ``gap`` (HGD v2): lambda_k = stage_weights[k] * m_k / mean_{j in g}
      m_j: a stage the student already matches loses weight instead of
      gaining it (``balanced`` does the opposite, and lost 0.9 mAP on the
      mini benchmark).
    - ``balanced``: lambda_k = stage_weights[k] * mean_{j in g} m_j / m_k,
      m_k floored at the group mean / 100: every stage of a group gets a
      comparable gradient share.
    - ``uncertainty``: learnable log-variances s_k (Kendall et al.):
      stage_weights[k] * (exp(-s_k) L_k + s_k); lambda_k = exp(-s_k).
      Weight decay pulls s_k to 0 (lambda to 1): exempt them in the
      optimiser, ``optim_wrapper=dict(paramwise_cfg=dict(custom_keys={
      'distiller.macro.log_vars': dict(decay_mult=0.0)}))``.

    Over training, the stages of a group are further multiplied by
    ``group_weights[group]`` and that group's schedule (a
    ``DistillWeightSchedule`` config, e.g. backbone hints that decay to 0:
    ``group_schedules=dict(backbone=dict(decay='cosine'))``).

    A stage whose loss was not finite this step (``finite`` False, the
    distiller's guard put a 0 in its place) keeps its running mean: it is
    updated with its own current mean, which leaves the bias-corrected
    mean unchanged.

    Args:
        num_stages: K.
        mode: ``'fixed'`` (default here; ``HGDDistiller`` asks for
            ``'gap'``), ``'gap'``, ``'balanced'`` or ``'uncertainty'``.
        stage_weights: K non-negative weights; defaults to 1/K_g for each
            stage of a group of K_g stages.
        momentum: EMA momentum of the running means (``gap`` and
            ``balanced``). Defaults to 0.99 (bias-corrected, so the first
            steps use the true mean so far).
        stage_groups: K group names (the distiller passes each stage's
            source); needed by ``group_weights`` and ``group_schedules``.
        group_weights: multiplier per group. Defaults to 1 for every group.
        group_schedules: ``DistillWeightSchedule`` config per group, a
            multiplier over training (its ``loss_weight`` defaults to 1).
    """

    def __init__(self,
                 num_stages: int,
                 mode: str = 'fixed',
                 stage_weights: Optional[Sequence[float]] = None,
                 momentum: float = 0.99,
                 stage_groups: Optional[Sequence[str]] = None,
                 group_weights: Optional[Dict[str, float]] = None,
                 group_schedules: Optional[Dict[str, dict]] = None) -> None:
        super().__init__()
        if mode not in STAGE_WEIGHT_MODES:
            raise ValueError(f'MacroReweighting: mode={mode!r} is unknown; '
                             f'use one of {tuple(STAGE_WEIGHT_MODES)}.')
        groups = list(stage_groups or ['all'] * num_stages)
        if len(groups) != num_stages:
            raise ValueError(f'MacroReweighting: {len(groups)} stage_groups '
                             f'for {num_stages} stages.')
        if stage_weights is None:
            stage_weights = [1.0 / groups.count(g) for g in groups]
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
        group_weights = dict(group_weights or {})
        group_schedules = dict(group_schedules or {})
        named = set(group_weights) | set(group_schedules)
        if named and stage_groups is None:
            raise ValueError(
                'MacroReweighting: group_weights/group_schedules need '
                'stage_groups (one group name per stage); HGDDistiller '
                'passes them.')
        unknown = named - set(groups)
        if unknown:
            raise ValueError(
                f'MacroReweighting: groups {sorted(unknown)} have no stage '
                f'(the distilled stages are in {sorted(set(groups))}).')
        if any(w < 0 for w in group_weights.values()):
            raise ValueError(f'MacroReweighting: group_weights '
                             f'{group_weights} must be >= 0.')
        self.mode = mode
        self.weighting = STAGE_WEIGHT_MODES[mode]
        self.momentum = momentum
        self.stage_groups = groups
        self.group_schedules = {
            group: DistillWeightSchedule(**cfg)
            for group, cfg in group_schedules.items()
        }
        stage_weights = [
            w * group_weights.get(g, 1.0)
            for w, g in zip(stage_weights, groups)
        ]
        self.register_buffer('stage_weights',
                             torch.tensor(stage_weights, dtype=torch.float32))
        # Not persistent: it follows from stage_groups, and checkpoints keep
        # the keys they had.
        self.register_buffer('group_membership', group_membership(groups),
                             persistent=False)
        self.register_buffer('running_mean', torch.zeros(num_stages))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))
        if mode == 'uncertainty':
            self.log_vars = nn.Parameter(torch.zeros(num_stages))

    @torch.no_grad()
    def update_running_mean(self,
                            stage_losses: torch.Tensor,
                            finite: Optional[torch.Tensor] = None) -> None:
        values = stage_losses.detach().float().clone()
        if finite is not None:
            # A skipped stage is updated with its own current mean: its
            # bias-corrected mean stays what it was (not pulled to 0).
            values = torch.where(finite, values, self.balanced_means())
        # Same running means on every rank: DDP ranks must agree on lambda.
        all_reduce(values, op='mean')
        self.running_mean.mul_(self.momentum).add_(values,
                                                   alpha=1 - self.momentum)
        self.num_updates += 1

    def balanced_means(self) -> torch.Tensor:
        # Tensor arithmetic only: no host read of num_updates per step.
        # (in float64, as the Python float it replaces).
        correction = 1 - self.momentum**self.num_updates.clamp_min(1).double()
        return (self.running_mean / correction).to(self.running_mean.dtype)

    def scheduled_weights(self) -> torch.Tensor:
        """stage_weights times each group's schedule at this iteration."""
        if not self.group_schedules:
            return self.stage_weights
        factors = [
            self.group_schedules[g]() if g in self.group_schedules else 1.0
            for g in self.stage_groups
        ]
        return self.stage_weights * self.stage_weights.new_tensor(factors)

    def forward(
        self,
        stage_losses: torch.Tensor,
        finite: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        Args:
            stage_losses: (K,) per-stage imitation losses L_k.
            finite: (K,) bool, False where the stage's loss was not finite
                this step (it is then not recorded in the running means);
                None: all finite.

        Returns:
            weighted (K,) per-stage terms whose sum is the distillation loss,
            and lambdas (K,) the detached stage weights, for logging.
        """
        means = None
        if self.weighting.running_mean:
            if self.training:
                self.update_running_mean(stage_losses, finite)
            # Before any training step (e.g. a checkpoint-free analysis in
            # eval mode) there is no running mean yet: use this step's losses.
            means = torch.where(self.num_updates > 0, self.balanced_means(),
                                stage_losses.detach().float())
        return self.weighting.weigh(stage_losses, self.scheduled_weights(),
                                    means, self.group_membership,
                                    getattr(self, 'log_vars', None))
