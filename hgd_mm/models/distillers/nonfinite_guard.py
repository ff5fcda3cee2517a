"""The distiller's guard against non-finite stage losses."""
from typing import List, Sequence, Tuple
import warnings

import torch
from torch import nn

__all__ = ['NonFiniteGuard']


class NonFiniteGuard(nn.Module):
    """Put a graph-keeping 0 in place of a non-finite stage loss, count it,
    and stop training after too many.

    The 0 is ``0 * sum(parameters of the stage's connector)``, so that every
    connector still takes part in the backward pass (DDP expects every
    parameter it reduces to receive a gradient). The count is a buffer: it
    is saved in checkpoints and survives a resume.

    Args:
        max_nonfinite: how many non-finite stage losses are skipped (the
            first with a warning) before training stops with an error.
    """

    def __init__(self, max_nonfinite: int = 100) -> None:
        super().__init__()
        if max_nonfinite < 0:
            raise ValueError(f'HGDDistiller: max_nonfinite={max_nonfinite} '
                             f'must be >= 0.')
        self.max_nonfinite = max_nonfinite
        self.register_buffer('count', torch.zeros((), dtype=torch.long))

    def forward(self, stage_losses: List[torch.Tensor], names: Sequence[str],
                connectors: Sequence[nn.Module]
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        Args:
            stage_losses: K scalar stage losses.
            names: the K stages' names, for the messages.
            connectors: the K stages' connectors (kept in the graph).

        Returns:
            the (K,) losses with 0 in place of the non-finite ones, and the
            (K,) bool mask of the finite ones.
        """
        losses = torch.stack(stage_losses)
        finite = torch.isfinite(losses)
        if bool(finite.all()):
            return losses, finite
        bad = [name for name, ok in zip(names, finite.tolist()) if not ok]
        self.count += len(bad)
        count = int(self.count)
        if count > self.max_nonfinite:
            raise FloatingPointError(
                f'HGD: {count} non-finite stage losses so far (latest at '
                f'{bad}), more than max_nonfinite={self.max_nonfinite}. The '
                f'features are diverging: lower the learning rate or the '
                f'distillation loss_weight, or check the teacher checkpoint.')
        if count == len(bad):
            warnings.warn(f'HGD: non-finite imitation loss at {bad}; that '
                          f'stage is skipped for this step (counted in '
                          f'nonfinite.count, fatal after '
                          f'{self.max_nonfinite}).')
        kept = [
            loss if ok else sum((p.sum() for p in connector.parameters()),
                                losses.new_zeros(())) * 0
            for loss, ok, connector in zip(stage_losses, finite.tolist(),
                                           connectors)
        ]
        return torch.stack(kept), finite
