"""Strict, clear loading of a distillation teacher's checkpoint.

MMRazor's ``SingleTeacherDistill`` (and so ``FpnTeacherDistill``) loads
``teacher_ckpt`` with mmengine's non-strict ``load_checkpoint``: a checkpoint
of another architecture only logs a warning, and training goes on for days
with a randomly initialised teacher. ``load_teacher_checkpoint`` replaces that
call (``install()``, applied on ``import hgd_mm``) and fails at build time,
before the first iteration, with a message naming the problem and the fix:

- the file does not exist or cannot be read (truncated, not a checkpoint);
- its pickle would run code (``weights_only`` loading refuses it);
- its weights do not match the teacher (missing keys or other shapes).

Keys the checkpoint has and the teacher lacks are reported as a warning
(e.g. an EMA copy); BatchNorm ``num_batches_tracked`` is never required.
"""
import re
import warnings
from typing import Dict, List, Sequence, Tuple

import torch
from torch import nn

from . import checkpoint_reader

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


def install() -> None:
    """Make MMRazor's single-teacher algorithms load teachers this way."""
    from mmrazor.models.algorithms.distill.configurable import \
        single_teacher_distill
    single_teacher_distill.load_checkpoint = load_teacher_checkpoint
