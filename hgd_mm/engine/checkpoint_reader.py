"""One reader for every checkpoint hgd_mm opens: a teacher's
(``teacher_checkpoint``) and a distillation run's (the student converter).

Local files are read with ``torch.load(..., weights_only=True)``; remote ones
(``https://``, ``s3://``, ...) through mmengine, whose loader uses the same
default. ``import hgd_mm`` allow-lists exactly the numpy and
``HistoryBuffer`` types mmengine writes (``hgd_mm.compat``), so a checkpoint
whose pickle would run any other code is refused. Every failure is a
:class:`CheckpointReadError` whose message names the file, the problem and
the caller's fix.
"""
import os.path as osp
import pickle
import re
from typing import Any

import torch
from mmengine.runner.checkpoint import _load_checkpoint

__all__ = ['CheckpointReadError', 'is_remote', 'read_checkpoint']

WEIGHTS_ONLY_REFUSAL = 'Weights only load failed'
TORCH_BOILERPLATE = (WEIGHTS_ONLY_REFUSAL, 'Check the documentation',
                     'In PyTorch 2.6')


class CheckpointReadError(RuntimeError):
    """A checkpoint that cannot be read; the message says why and how."""


def is_remote(filename: str) -> bool:
    """Whether ``filename`` is a URL (``scheme://...``) for mmengine."""
    return re.match(r'^[a-z0-9+.-]+://', filename) is not None


def refusal_reason(message: str) -> str:
    """The part of torch's weights-only error that says what was refused.

    Args:
        message: the text of torch's ``UnpicklingError``.
    """
    reasons = []
    for line in message.splitlines():
        line = line.strip()
        if 'WeightsUnpickler error:' in line:
            line = line.split('WeightsUnpickler error:', 1)[1].strip()
        if line and not line.startswith(TORCH_BOILERPLATE):
            reasons.append(line)
    return ' '.join(reasons) or message.strip()


def refusal_message(label: str, message: str, fix: str) -> str:
    """Why torch's weights-only loader refused a file, and what to do.

    Args:
        label: the file, as the message names it.
        message: the text of torch's ``UnpicklingError``.
        fix: what to pass instead, for a file that is no checkpoint.
    """
    if WEIGHTS_ONLY_REFUSAL not in message:  # a broken pickle
        return f'{label} is not a readable torch checkpoint ({message}). {fix}'
    reason = refusal_reason(message)
    if 'GLOBAL' in reason or 'global' in reason:
        what = (f'its pickle would call something a checkpoint never needs '
                f'({reason}), so loading it could run code')
    else:
        what = (f'the weights-only loader rejects its content ({reason}): it '
                f'is not a checkpoint written by torch.save, or it uses '
                f'pickle features that could run code')
    return (f'refused to load {label}: {what}. hgd_mm loads checkpoints '
            f'with weights_only=True and allows only the numpy and '
            f'HistoryBuffer types mmengine writes. Use only checkpoints '
            f'written by tools/train.py (or mmengine) that you trust; do not '
            f're-load this file with weights_only=False.')


def read_checkpoint(
        filename: str, name: str = 'checkpoint',
        fix: str = 'Pass a .pth written by tools/train.py.') -> Any:
    """The checkpoint's content, read with ``weights_only=True``.

    Args:
        filename: a local file or a URL.
        name: what the caller calls the file in messages (e.g.
            ``teacher_ckpt``).
        fix: the caller's advice when the file is missing or unreadable.

    Raises:
        CheckpointReadError: missing, unreadable, or refused because its
            pickle could run code.
    """
    label = f'{name} {filename!r}'
    if not is_remote(filename) and not osp.isfile(filename):
        raise CheckpointReadError(f'{label} does not exist. {fix}')
    try:
        if is_remote(filename):
            return _load_checkpoint(filename, map_location='cpu')
        return torch.load(filename, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointReadError(refusal_message(label, str(error),
                                                  fix)) from error
    except Exception as error:  # zip/EOF/format errors of a broken file
        raise CheckpointReadError(
            f'{label} could not be read: it is not a readable torch '
            f'checkpoint ({type(error).__name__}: {str(error)[:300]}); is it '
            f'a complete .pth file written by torch.save / mmengine? {fix}'
        ) from error
