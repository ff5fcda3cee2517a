"""Which checkpoint ``--resume`` continues from.

mmengine resumes from the file named in ``<work_dir>/last_checkpoint`` and
fails if it is truncated (a run killed while writing it, before hgd_mm's
atomic writes, or a copy cut short); without that file it silently starts
from scratch. :func:`resolve_resume_checkpoint` instead tries the checkpoints
of the work dir newest first and resumes from the newest that loads, with a
warning naming the ones skipped; if checkpoints exist but none loads it
stops with an error rather than starting again from scratch.
"""
import logging
import os
import os.path as osp
import re
from typing import List, Optional, Tuple

import torch
from mmengine.logging import print_log

from .checkpoint_reader import is_remote

__all__ = ['ResumeError', 'resolve_resume_checkpoint', 'resume_candidates']

# CheckpointHook's names (default filename_tmpl): epoch_3.pth, iter_500.pth
_CHECKPOINT_NAME = re.compile(r'^(epoch|iter)_\d+\.pth$')


class ResumeError(RuntimeError):
    """``--resume`` has no checkpoint it can continue from."""


def _pointed_checkpoint(work_dir: str) -> Optional[str]:
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        target = f.read().strip()
    return target or None


def resume_candidates(work_dir: str) -> List[str]:
    """The checkpoints ``--resume`` may continue from, newest first.

    The file ``last_checkpoint`` names and every ``epoch_N.pth`` /
    ``iter_N.pth`` beside it or in ``work_dir``, ordered by modification time
    (a checkpoint completed after ``last_checkpoint`` was last updated, when a
    run died in between, comes first); ``last_checkpoint``'s file wins a tie.
    """
    pointed = _pointed_checkpoint(work_dir)
    folders = {osp.abspath(work_dir)}
    if pointed is not None:
        folders.add(osp.dirname(osp.abspath(pointed)))
    found = {
        osp.join(folder, name)
        for folder in folders if osp.isdir(folder)
        for name in os.listdir(folder) if _CHECKPOINT_NAME.match(name)
    }
    if pointed is not None:
        found.add(osp.abspath(pointed))

    def newest_first(path: str) -> Tuple[float, bool]:
        mtime = osp.getmtime(path) if osp.exists(path) else float('inf')
        return (-mtime, path != osp.abspath(pointed or ''))

    return sorted(found, key=newest_first)


def _load_error(path: str) -> Optional[str]:
    """Why ``path`` cannot be resumed from, or None if it loads."""
    if not osp.isfile(path):
        return 'no such file'
    try:
        checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as error:  # noqa: BLE001  (any reason makes it unusable)
        first_line = (str(error).splitlines() or ['(empty or cut short)'])[0]
        return f'{type(error).__name__}: {first_line[:200]}'
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        return 'not an mmengine checkpoint (no state_dict)'
    return None


def resolve_resume_checkpoint(resume: str, work_dir: str) -> Optional[str]:
    """The checkpoint to resume from, for ``tools/train.py --resume``.

    Args:
        resume: ``'auto'`` (``--resume`` alone): the newest checkpoint of
            ``work_dir`` that loads; else the path the user gave, which must
            load (a URL is passed on as it is: mmengine fetches it).
        work_dir: The run's work dir.

    Returns:
        The checkpoint path, or None when ``work_dir`` holds no checkpoint at
        all (a first run started with ``--resume``: it starts from scratch,
        with a warning).

    Raises:
        FileNotFoundError: an explicit path that does not exist.
        ResumeError: the explicit checkpoint, or every checkpoint of
            ``work_dir``, cannot be loaded.
    """
    if resume != 'auto':
        if is_remote(resume):
            return resume  # mmengine's file backends fetch it
        if not osp.isfile(resume):
            raise FileNotFoundError(
                f'--resume {resume}: no such checkpoint file. Pass an '
                f'existing .pth, or --resume alone to continue from the '
                f'latest checkpoint in the work dir.')
        error = _load_error(resume)
        if error is not None:
            raise ResumeError(
                f'--resume {resume}: the checkpoint cannot be loaded '
                f'({error}). It may be truncated; pass another checkpoint, '
                f'or --resume alone to continue from the newest one in the '
                f'work dir that loads.')
        return resume

    candidates = resume_candidates(work_dir)
    if not candidates:
        print_log(
            f'--resume: no checkpoint in {work_dir} yet; training starts from '
            f'scratch.', logger='current', level=logging.WARNING)
        return None
    skipped = []
    for path in candidates:
        error = _load_error(path)
        if error is None:
            if skipped:
                print_log(
                    f'--resume: the newest checkpoint {skipped[0][0]} cannot '
                    f'be loaded ({skipped[0][1]}); resuming from {path}, the '
                    f'newest one that loads. Skipped: '
                    f'{", ".join(p for p, _ in skipped)}.',
                    logger='current', level=logging.WARNING)
            return path
        skipped.append((path, error))
    listing = '\n'.join(f'  {p}: {e}' for p, e in skipped)
    raise ResumeError(
        f'--resume: none of the checkpoints of {work_dir} can be loaded:\n'
        f'{listing}\nThey may have been cut short by a crash during a save. '
        f'Pass --resume CKPT with a checkpoint from elsewhere, or train '
        f'without --resume to start from scratch.')
