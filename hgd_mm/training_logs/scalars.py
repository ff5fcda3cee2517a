"""mmengine's ``vis_data/scalars.json``: one JSON object per logged step.

A work dir holds one timestamped run dir per start of training
(``WORK_DIR/YYYYMMDD_HHMMSS/vis_data/scalars.json``); the newest sorts last.
"""
import glob
import json
import os.path as osp
from typing import List

__all__ = ['find_all_scalars', 'find_scalars', 'read_run_scalars',
           'read_scalars']


def find_scalars(path: str) -> str:
    """``path`` itself, or the newest ``vis_data/scalars.json`` under it.

    Args:
        path: a work dir, a run dir or a scalars.json.
    """
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path} does not exist: give a training work '
                                f'dir or its */vis_data/scalars.json.')
    candidates = (glob.glob(osp.join(path, 'vis_data', 'scalars.json')) +
                  glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not candidates:
        raise FileNotFoundError(
            f'no vis_data/scalars.json under {path}: is it an mmengine work '
            f'dir (tools/train.py --work-dir)? Or give the file itself.')
    # Run dirs are timestamps (YYYYMMDD_HHMMSS): the newest sorts last.
    return sorted(candidates)[-1]


def find_all_scalars(path: str) -> List[str]:
    """Every run's ``vis_data/scalars.json`` under a work dir, oldest first
    (a resumed run has one per start); ``[path]`` for a file or a run dir.

    Args:
        path: a work dir, a run dir or a scalars.json.
    """
    newest = find_scalars(path)
    if osp.isfile(path) or osp.isfile(osp.join(path, 'vis_data',
                                               'scalars.json')):
        return [newest]
    return sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))


def read_run_scalars(path: str) -> List[dict]:
    """The records of every run of a work dir, as one training history.

    A resumed run starts again at its checkpoint's iteration: the records of
    earlier runs from that iteration on (logged before the interruption,
    then trained again) give way to the later run's.

    Args:
        path: a work dir, a run dir or a scalars.json.
    """
    history: List[dict] = []
    for scalars in find_all_scalars(path):
        records = read_scalars(scalars)
        iters = [r['iter'] for r in records if 'iter' in r]
        if iters:
            restart = min(iters)
            history = [r for r in history
                       if 'iter' in r and r['iter'] < restart]
        history.extend(records)
    return history


def read_scalars(path: str) -> List[dict]:
    """One dict per non-empty line of a scalars.json.

    Args:
        path: a work dir, a run dir or a scalars.json (see
            :func:`find_scalars`).
    """
    path = find_scalars(path)
    records = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise ValueError(f'{path}:{number} is not JSON ({error}): '
                                     f'is this an mmengine scalars.json?')
    return records
