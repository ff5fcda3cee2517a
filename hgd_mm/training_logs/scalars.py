"""mmengine's ``vis_data/scalars.json``: one JSON object per logged step.

A work dir holds one timestamped run dir per start of training
(``WORK_DIR/YYYYMMDD_HHMMSS/vis_data/scalars.json``); the newest sorts last.
"""
import glob
import json
import os.path as osp
from typing import List

__all__ = ['find_scalars', 'read_scalars']


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
