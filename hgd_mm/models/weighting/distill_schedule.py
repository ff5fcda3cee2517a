"""The total distillation weight w(t) over training."""
import math
from typing import Optional

from mmengine.logging import MessageHub

from mmrazor.registry import MODELS

DECAYS = ('constant', 'cosine')


@MODELS.register_module()
class DistillWeightSchedule:
    """w(t): linear warm-up, then constant or cosine decay to a floor.

    ``t`` is the runner's iteration, read from mmengine's ``MessageHub``
    (``iter``, kept by the runner and restored on resume), so the schedule
    position needs no state of its own.

    Args:
        loss_weight: w after warm-up. Defaults to 1.0.
        warmup_iters: iterations of linear warm-up from ``loss_weight /
            warmup_iters`` (never exactly 0, so the connectors always get a
            gradient) to ``loss_weight``. Defaults to 0 (no warm-up).
        decay: ``'constant'`` (default) or ``'cosine'``.
        min_ratio: floor of the cosine decay, as a fraction of
            ``loss_weight``. Defaults to 0.
        max_iters: end of the cosine decay; defaults to the runner's
            ``max_iters``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 warmup_iters: int = 0,
                 decay: str = 'constant',
                 min_ratio: float = 0.0,
                 max_iters: Optional[int] = None) -> None:
        if loss_weight < 0:
            raise ValueError(f'DistillWeightSchedule: loss_weight='
                             f'{loss_weight} must be >= 0.')
        if warmup_iters < 0:
            raise ValueError(f'DistillWeightSchedule: warmup_iters='
                             f'{warmup_iters} must be >= 0.')
        if decay not in DECAYS:
            raise ValueError(f'DistillWeightSchedule: decay={decay!r} is '
                             f'unknown; use one of {DECAYS}.')
        if not 0 <= min_ratio <= 1:
            raise ValueError(f'DistillWeightSchedule: min_ratio={min_ratio} '
                             f'must be in [0, 1].')
        self.loss_weight = loss_weight
        self.warmup_iters = warmup_iters
        self.decay = decay
        self.min_ratio = min_ratio
        self.max_iters = max_iters

    @staticmethod
    def current_iter() -> int:
        return int(MessageHub.get_current_instance().get_info('iter', 0))

    def __call__(self, iteration: Optional[int] = None) -> float:
        if iteration is None:
            iteration = self.current_iter()
        if iteration < self.warmup_iters:
            return self.loss_weight * (iteration + 1) / self.warmup_iters
        if self.decay == 'constant':
            return self.loss_weight
        max_iters = self.max_iters or MessageHub.get_current_instance(
        ).get_info('max_iters')
        if not max_iters:
            raise ValueError(
                "DistillWeightSchedule(decay='cosine') needs max_iters: set "
                'it in the schedule config or train through an mmengine '
                'Runner.')
        span = max(1, max_iters - self.warmup_iters)
        progress = min(1.0, (iteration - self.warmup_iters) / span)
        floor = self.min_ratio * self.loss_weight
        return floor + (self.loss_weight - floor) * 0.5 * (
            1 + math.cos(math.pi * progress))
