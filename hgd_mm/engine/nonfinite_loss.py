"""Stop training on a non-finite total loss before NaN weights are saved.

mmengine trains on through ``loss: nan``: every step writes NaN gradients
into the weights and the next checkpoint holds them (issue 21: with
``data_preprocessor.std=[0, 0, 0]`` all 128 student tensors were NaN).
:class:`NonFiniteLossHook` guards the optimiser wrapper's ``update_params``,
where the total loss meets the weights: a non-finite loss is never
back-propagated nor stepped; after ``max_nonfinite`` such iterations
(default 0: the first) training stops with :class:`NonFiniteLossError`,
raised inside the iteration, so no checkpoint of it is written. A skipped
iteration also gets the model's buffers back as they were before its forward
(BatchNorm's running statistics take the NaN in the forward already, before
any loss exists), so it leaves no trace in the weights.

``configs/mini`` switch it on; ``tools/train.py`` adds it to any config
that has none (:func:`use_nonfinite_loss_guard`). The HGD distiller's own
per-stage guard (``max_nonfinite`` of ``HGDDistiller``) is another matter:
it drops a non-finite distillation term, this stops on the total loss.
"""
import logging
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.registry import HOOKS

__all__ = ['NonFiniteLossError', 'NonFiniteLossHook',
           'use_nonfinite_loss_guard']

GUARD_MARK = '_hgd_mm_nonfinite_guard'


class NonFiniteLossError(FloatingPointError):
    """The total loss was non-finite more often than allowed."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Skip the update of an iteration whose total loss is NaN or inf; stop
    training after ``max_nonfinite`` of them.

    Args:
        max_nonfinite: how many non-finite iterations to skip (each with a
            warning) before stopping; 0 (default) stops on the first.
    """

    priority = 'VERY_HIGH'

    def __init__(self, max_nonfinite: int = 0) -> None:
        if not isinstance(max_nonfinite, int) or max_nonfinite < 0:
            raise ValueError(
                f'NonFiniteLossHook: max_nonfinite={max_nonfinite!r}; give '
                f'an integer >= 0 (0 stops on the first non-finite loss).')
        self.max_nonfinite = max_nonfinite
        self.skipped = 0
        self._model = None
        self._buffers = None

    def before_train(self, runner) -> None:
        self._model = getattr(runner, 'model', None)
        wrappers = runner.optim_wrapper
        if isinstance(wrappers, OptimWrapperDict):
            wrappers = list(wrappers.values())
        else:
            wrappers = [wrappers]
        for wrapper in wrappers:
            self.guard(wrapper, runner)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        # Only when an iteration may be skipped (else training stops):
        # a copy of the buffers (BatchNorm statistics: small) to restore.
        if self.max_nonfinite > self.skipped and self._model is not None:
            self._buffers = [b.detach().clone()
                             for b in self._model.buffers()]

    def guard(self, wrapper: OptimWrapper, runner=None) -> None:
        """Replace ``wrapper.update_params`` (on this instance only)."""
        if getattr(wrapper.update_params, GUARD_MARK, False):
            return
        update_params = wrapper.update_params

        def guarded_update_params(loss: torch.Tensor, *args, **kwargs):
            if bool(torch.isfinite(loss.detach()).all()):
                return update_params(loss, *args, **kwargs)
            self.nonfinite(wrapper, loss, runner)

        setattr(guarded_update_params, GUARD_MARK, True)
        wrapper.update_params = guarded_update_params

    def nonfinite(self, wrapper: OptimWrapper, loss: torch.Tensor,
                  runner) -> None:
        self.skipped += 1
        where = (f'iteration {runner.iter + 1} (epoch {runner.epoch + 1})'
                 if runner is not None else 'this iteration')
        value = loss.detach().float().flatten()[0].item()
        if self.skipped > self.max_nonfinite:
            raise NonFiniteLossError(
                f'The total loss is {value} at {where}: training stopped '
                f'before a checkpoint of these weights was written '
                f'({self.skipped} non-finite iteration(s), '
                f'max_nonfinite={self.max_nonfinite}). Look at the logged '
                f'loss terms; common causes: a learning rate too high, '
                f'data_preprocessor mean/std (a std of 0), empty or broken '
                f'annotations. To skip a few such iterations instead, set '
                f"custom_hooks=[dict(type='NonFiniteLossHook', "
                f'max_nonfinite=N)].')
        # Neither backward nor step: the weights stay finite; the buffers go
        # back to before the forward. Count the iteration so gradient
        # accumulation keeps its windows.
        if self._buffers is not None:
            with torch.no_grad():
                for buffer, saved in zip(self._model.buffers(),
                                         self._buffers):
                    buffer.copy_(saved)
        wrapper._inner_count += 1
        if wrapper.should_update():
            wrapper.zero_grad()
        print_log(
            f'NonFiniteLossHook: total loss {value} at {where}; update '
            f'skipped ({self.skipped} of max_nonfinite='
            f'{self.max_nonfinite}).', logger='current',
            level=logging.WARNING)


def use_nonfinite_loss_guard(cfg: Config,
                             max_nonfinite: Optional[int] = None) -> bool:
    """Add :class:`NonFiniteLossHook` to a config that has none.

    What ``tools/train.py`` does to every config.

    Args:
        cfg: the config, changed in place.
        max_nonfinite: the hook's argument; None: its default.

    Returns:
        bool: True if the hook was added.
    """
    hooks = list(cfg.get('custom_hooks', None) or [])
    if any(hook.get('type') in ('NonFiniteLossHook', NonFiniteLossHook)
           for hook in hooks):
        return False
    hook = dict(type='NonFiniteLossHook')
    if max_nonfinite is not None:
        hook['max_nonfinite'] = max_nonfinite
    cfg.custom_hooks = hooks + [hook]
    return True
