"""An exponential moving average of the weights as a benchmark option.

mmengine's ``EMAHook`` (as mmdet's YOLOX and RTMDet configs use it) keeps an
average of the weights, validates and saves it in place of the last step's
weights (a checkpoint's ``state_dict`` is the average, so ``tools/test.py``
and the student export read it). On the mini schedule (900 steps, a 10x lr
step at 750) it is a candidate for the issue's "sharper" target: the last
weights depend on the last batches a seed draws; their average less so.

It needs no config of its own: ``default_hooks`` is a dict, so
``--cfg-options default_hooks.ema.type=EMAHook ...`` adds the hook to any
config (``custom_hooks`` is a list, which ``--cfg-options`` cannot extend).
Any arm takes it by name, ``<arm>+ema@<momentum>`` (``baseline+ema@0.003``);
the arm key (:func:`.provenance.arm_key`) includes the hook, so runs with and
without an average never pool.
"""
from typing import Dict, Optional, Tuple

from .study import Arm

__all__ = ['EMA_SUFFIX', 'ema_options', 'split_ema_name', 'with_ema']

#: What separates an arm's name from the momentum of its average.
EMA_SUFFIX = '+ema@'
#: mmdet's configs register the EMA hook at this priority (just above
#: NORMAL), so it swaps the averaged weights in before val and checkpoints.
EMA_PRIORITY = 49


def ema_options(momentum: float) -> Dict[str, object]:
    """``--cfg-options`` adding an EMA of the weights at ``momentum`` (the
    weight of the newest step: the average spans about 1 / momentum
    steps)."""
    if not 0 < momentum <= 1:
        raise ValueError(
            f'an EMA momentum is the newest step\'s weight, in (0, 1]; got '
            f'{momentum} (0.003 averages about the last 330 steps).')
    return {'default_hooks.ema.type': 'EMAHook',
            'default_hooks.ema.momentum': momentum,
            'default_hooks.ema.priority': EMA_PRIORITY}


def split_ema_name(name: str) -> Tuple[str, Optional[float]]:
    """``'baseline+ema@0.003'`` -> ``('baseline', 0.003)``; a name without
    the suffix -> ``(name, None)``; a momentum that is no number in (0, 1]
    is a ValueError naming the form."""
    base, sep, momentum = name.partition(EMA_SUFFIX)
    if not sep:
        return name, None
    try:
        value = float(momentum)
    except ValueError:
        value = float('nan')
    if not 0 < value <= 1:
        raise ValueError(
            f'{name!r}: the EMA momentum after {EMA_SUFFIX!r} must be a '
            f'number in (0, 1], e.g. {base}{EMA_SUFFIX}0.003.')
    return base, value


def with_ema(arm: Arm, momentum: float, name: Optional[str] = None) -> Arm:
    """``arm`` with an EMA of its weights, named ``name`` (default
    ``<arm>+ema@<momentum>``)."""
    return Arm(name or f'{arm.name}{EMA_SUFFIX}{momentum:g}', arm.config,
               {**arm.options, **ema_options(momentum)}, arm.distill,
               arm.setting)
