"""Strict, clear loading of a distillation teacher's checkpoint.

MMRazor's ``SingleTeacherDistill`` (and so ``FpnTeacherDistill``) loads
``teacher_ckpt`` with mmengine's non-strict ``load_checkpoint``: a checkpoint
of another architecture only logs a warning, and training goes on for days
with a randomly initialised teacher. For a strict algorithm,
``load_teacher_checkpoint`` takes that call's place and fails at build time,
before the first iteration, with a message naming the problem and the fix:

- the file does not exist or cannot be read (truncated, not a checkpoint);
- its pickle would run code (``weights_only`` loading refuses it);
- its weights do not match the teacher (missing keys or other shapes).

Keys the checkpoint has and the teacher lacks are reported as a warning
(e.g. an EMA copy); BatchNorm ``num_batches_tracked`` is never required.

Which algorithms load strictly (``install()``, called by ``import hgd_mm``,
adds the ``strict_teacher_ckpt`` argument to ``SingleTeacherDistill`` and its
subclasses):

- ``strict_teacher_ckpt=None`` (default): strict when the distiller is an
  ``HGDDistiller``; every other distiller loads as MMRazor does;
- ``strict_teacher_ckpt=False``: MMRazor's own loading, e.g.
  ``model = dict(type='FpnTeacherDistill', ..., strict_teacher_ckpt=False)``;
- ``strict_teacher_ckpt=True``: strict whatever the distiller.

The swap of MMRazor's ``load_checkpoint`` lasts only while such an algorithm
is built. ``HGD_MM_COMPAT_DISABLE=strict_teacher_ckpt`` leaves MMRazor's class
untouched (a config that sets the argument is then refused by MMRazor).
"""
import functools
import re
import warnings
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from torch import nn

from . import checkpoint_reader

__all__ = [
    'TeacherCheckpointError', 'install', 'load_teacher_checkpoint',
    'loads_strictly'
]

REVISE_KEYS = ((r'^module\.', ''), )
SHOWN = 5
TEACHER_FIX = ("Set model.teacher_ckpt to the teacher's trained checkpoint "
               '(train the teacher config with tools/train.py first) or to a '
               'model-zoo URL.')


class TeacherCheckpointError(RuntimeError):
    """The teacher checkpoint cannot be used; the message says why and how."""


def read_checkpoint(filename: str) -> dict:
    """The teacher checkpoint's content (:mod:`.checkpoint_reader`), errors
    as :class:`TeacherCheckpointError` with the teacher's fix."""
    try:
        return checkpoint_reader.read_checkpoint(
            filename, name='teacher_ckpt', fix=TEACHER_FIX)
    except checkpoint_reader.CheckpointReadError as error:
        raise TeacherCheckpointError(str(error)) from error.__cause__


def state_dict_of(checkpoint) -> Dict[str, torch.Tensor]:
    if not isinstance(checkpoint, dict):
        raise TeacherCheckpointError(
            f'the teacher checkpoint holds a {type(checkpoint).__name__}, '
            f'not a dict of weights.')
    state_dict = checkpoint.get('state_dict', checkpoint)
    revised = {}
    for key, value in state_dict.items():
        for pattern, replacement in REVISE_KEYS:
            key = re.sub(pattern, replacement, key)
        revised[key] = value
    return revised


def compare(model: nn.Module,
            state_dict: Dict[str, torch.Tensor]) -> Tuple[List[str], ...]:
    """Missing keys, keys of another shape, and unexpected keys."""
    expected = {k: v for k, v in model.state_dict().items()
                if not k.endswith('num_batches_tracked')}
    missing = [k for k in expected if k not in state_dict]
    mismatched = [
        f'{k}: checkpoint {tuple(state_dict[k].shape)} vs teacher '
        f'{tuple(v.shape)}' for k, v in expected.items()
        if k in state_dict and hasattr(state_dict[k], 'shape')
        and tuple(state_dict[k].shape) != tuple(v.shape)
    ]
    unexpected = [k for k in state_dict
                  if k not in expected and
                  not k.endswith('num_batches_tracked')]
    return missing, mismatched, unexpected


def listing(items: Sequence[str]) -> str:
    more = f' ... and {len(items) - SHOWN} more' if len(items) > SHOWN else ''
    return ', '.join(items[:SHOWN]) + more


def load_teacher_checkpoint(model: nn.Module, filename: str, *args,
                            **kwargs) -> dict:
    """Drop-in for mmengine's ``load_checkpoint`` as MMRazor calls it for a
    teacher: strict about what the teacher needs, clear when it fails."""
    checkpoint = read_checkpoint(filename)
    state_dict = state_dict_of(checkpoint)
    missing, mismatched, unexpected = compare(model, state_dict)
    if missing or mismatched:
        total = len([k for k in model.state_dict()
                     if not k.endswith('num_batches_tracked')])
        problems = []
        if missing:
            problems.append(f'{len(missing)} of the teacher\'s {total} '
                            f'weights are missing (e.g. {listing(missing)})')
        if mismatched:
            problems.append(f'{len(mismatched)} have another shape '
                            f'({listing(mismatched)})')
        raise TeacherCheckpointError(
            f'teacher_ckpt {filename!r} does not match the teacher: '
            f'{"; ".join(problems)}. Check that model.teacher (its cfg_path '
            f'or dict) is the architecture this checkpoint was trained with.')
    if unexpected:
        warnings.warn(f'teacher_ckpt {filename!r} has {len(unexpected)} '
                      f'weights the teacher does not use '
                      f'({listing(unexpected)}); they are ignored.')
    model.load_state_dict(
        {k: v for k, v in state_dict.items() if k not in unexpected},
        strict=False)
    return checkpoint


def loads_strictly(distiller, strict_teacher_ckpt: Optional[bool]) -> bool:
    """Whether an algorithm with this distiller (config) loads strictly."""
    if strict_teacher_ckpt is not None:
        if not isinstance(strict_teacher_ckpt, bool):
            raise TypeError(
                f'strict_teacher_ckpt={strict_teacher_ckpt!r}: use True '
                f'(strict), False (MMRazor\'s loading) or None (strict for '
                f'HGDDistiller only).')
        return strict_teacher_ckpt
    from mmrazor.registry import MODELS

    from ..models.distillers import HGDDistiller
    distiller_type = (distiller.get('type')
                      if isinstance(distiller, dict) else type(distiller))
    if isinstance(distiller_type, str):
        distiller_type = MODELS.get(distiller_type)
    return isinstance(distiller_type, type) and issubclass(
        distiller_type, HGDDistiller)


@contextmanager
def strict_loading(module) -> Iterator[None]:
    """``module.load_checkpoint`` is :func:`load_teacher_checkpoint` within."""
    upstream = module.load_checkpoint
    module.load_checkpoint = load_teacher_checkpoint
    try:
        yield
    finally:
        module.load_checkpoint = upstream


STRICT_MARK = '_hgd_mm_strict_teacher_ckpt'


def install() -> bool:
    """Give MMRazor's single-teacher algorithms the ``strict_teacher_ckpt``
    argument (module docstring). Returns False if installed already or
    ``HGD_MM_COMPAT_DISABLE`` names ``strict_teacher_ckpt``."""
    from mmrazor.models.algorithms.distill.configurable import \
        single_teacher_distill

    from ..compat import enabled
    algorithm = single_teacher_distill.SingleTeacherDistill
    if not enabled('strict_teacher_ckpt') or getattr(
            algorithm.__init__, STRICT_MARK, False):
        return False
    upstream_init = algorithm.__init__

    @functools.wraps(upstream_init)
    def init(self, *args, strict_teacher_ckpt: Optional[bool] = None,
             **kwargs) -> None:
        distiller = kwargs['distiller'] if 'distiller' in kwargs else (
            args[0] if args else None)
        if loads_strictly(distiller, strict_teacher_ckpt):
            with strict_loading(single_teacher_distill):
                upstream_init(self, *args, **kwargs)
        else:
            upstream_init(self, *args, **kwargs)

    setattr(init, STRICT_MARK, True)
    algorithm.__init__ = init
    return True
