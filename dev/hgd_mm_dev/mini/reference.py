"""Reference weights: the teachers and pre-trained backbones every session's
benchmark runs share, committed under ``dev/reference/``.

A teacher or backbone trained from the same inputs at the same thread count
is the same model on one machine, but not across machines of one kind:
oneDNN picks its kernels by the CPU's caches as well as its instruction
set (seen: the main pair's teacher scored 45.5, then 46.2 tune mAP on two
machines that differ in their L2/L3 sizes). A study that spans sessions,
each on a new machine, therefore reads them from here: the first machine
that trains one saves it (:func:`save_teacher`, :func:`save_pretrained`;
``tools/misc/save_mini_reference.py``), and every later run with the same
cache key restores it instead of training it again.

``manifest.json`` maps each cache key (:func:`..runs.teacher_key`,
:func:`..pretrain.pretrain_key`) to its file, the sha256 of that file and
the record its training wrote. A file whose bytes do not match is refused.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
from typing import Dict, Optional

import torch
# importing hgd_mm allow-lists what mmengine checkpoints hold (compat fix
# mmengine_checkpoints): read with weights_only=True, nothing else
from hgd_mm.engine.checkpoint_reader import read_checkpoint

from .paths import REPO

__all__ = [
    'REFERENCE_ROOT', 'reference_root', 'weights_digest', 'find',
    'save_teacher', 'save_pretrained', 'ReferenceWeightsError'
]

#: Where the reference weights are committed.
REFERENCE_ROOT = osp.join(REPO, 'dev', 'reference')
#: Environment variable naming another folder (the tests' own).
ROOT_VARIABLE = 'HGD_MINI_REFERENCE'


class ReferenceWeightsError(RuntimeError):
    """A reference file that is missing or not the one the manifest names."""


def reference_root() -> str:
    """The reference folder: ``$HGD_MINI_REFERENCE`` or
    :data:`REFERENCE_ROOT`."""
    return os.environ.get(ROOT_VARIABLE) or REFERENCE_ROOT


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def weights_digest(checkpoint: str) -> str:
    """sha256 of a checkpoint's weights (``state_dict``: names, dtypes,
    shapes and values), whatever else the file holds (an optimiser's state,
    a timestamp): the identity of the model runs distil from."""
    state = read_checkpoint(checkpoint, 'checkpoint')
    state = state.get('state_dict', state)
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().contiguous().cpu()
        digest.update(f'{name}:{tensor.dtype}:{tuple(tensor.shape)}'.encode())
        digest.update(tensor.view(-1).view(torch.uint8).numpy().tobytes()
                      if tensor.numel() else b'')
    return digest.hexdigest()[:32]


def manifest_path(root: Optional[str] = None) -> str:
    return osp.join(root or reference_root(), 'manifest.json')


def load_manifest(root: Optional[str] = None) -> Dict[str, dict]:
    path = manifest_path(root)
    if not osp.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def find(key: str, root: Optional[str] = None) -> Optional[dict]:
    """The manifest entry of ``key`` with its file's absolute ``path``, or
    None when nothing was saved for it.

    Raises:
        ReferenceWeightsError: the entry's file is missing or has other bytes.
    """
    root = root or reference_root()
    entry = load_manifest(root).get(key)
    if entry is None:
        return None
    path = osp.join(root, entry['file'])
    if not osp.exists(path) or file_sha256(path) != entry['sha256']:
        raise ReferenceWeightsError(
            f'{path}: the reference file of {entry["kind"]} {entry["name"]} '
            f'is missing or not the one {manifest_path(root)} names '
            f'(sha256 {entry["sha256"]}). Restore it from git (git checkout '
            f'-- {osp.relpath(path, REPO)}), or delete its manifest entry '
            f'to train it again.')
    return dict(entry, path=path)


def save(kind: str, name: str, key: str, state: dict, record: dict,
         root: Optional[str] = None) -> dict:
    """Write ``state`` (a checkpoint dict) as ``<root>/<name>.pth`` and its
    manifest entry under ``key``; return the entry."""
    root = root or reference_root()
    os.makedirs(root, exist_ok=True)
    file = f'{name}.pth'
    path = osp.join(root, file)
    temporary = path + '.tmp'
    torch.save(state, temporary)
    os.replace(temporary, path)
    manifest = load_manifest(root)
    entry = dict(kind=kind, name=name, file=file, sha256=file_sha256(path),
                 record=record)
    manifest[key] = entry
    with open(manifest_path(root), 'w') as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write('\n')
    return entry


def save_teacher(work_dir: str, name: str,
                 root: Optional[str] = None) -> dict:
    """Save the teacher cached in ``work_dir`` (``teacher.pth`` and its
    record ``teacher.json``, :func:`..runs.teacher_run`): its weights only,
    no optimiser state, under its cache key.

    Args:
        work_dir: the teacher's work dir.
        name: the file's name, e.g. ``teacher_retinanet-quarter-width``.
        root: the reference folder (:func:`reference_root` when None).
    """
    with open(osp.join(work_dir, 'teacher.json')) as f:
        record = json.load(f)
    checkpoint = read_checkpoint(osp.join(work_dir, 'teacher.pth'),
                                 'teacher')
    record = {k: v for k, v in record.items() if k != 'checkpoint'}
    record['weights_sha256'] = weights_digest(
        osp.join(work_dir, 'teacher.pth'))
    state = dict(state_dict=checkpoint['state_dict'],
                 meta=dict(hgd_mini_teacher=record))
    return save('teacher', name, record['key'], state, record, root)


def save_pretrained(checkpoint: str, root: Optional[str] = None) -> dict:
    """Save a pre-trained backbone (the file :mod:`..pretrain` wrote, weights
    and record) under its cache key, named as its file."""
    from .pretrain import META_KEY
    state = read_checkpoint(checkpoint, 'pre-trained backbone')
    record = state['meta'][META_KEY]
    name = osp.splitext(osp.basename(checkpoint))[0]
    return save('pretrained', name, record['key'], state, record, root)


def restore(key: str, destination: str,
            root: Optional[str] = None) -> Optional[dict]:
    """Copy the reference file of ``key`` to ``destination``; its entry, or
    None when there is none."""
    entry = find(key, root)
    if entry is None:
        return None
    os.makedirs(osp.dirname(osp.abspath(destination)), exist_ok=True)
    temporary = destination + '.tmp'
    shutil.copyfile(entry['path'], temporary)
    os.replace(temporary, destination)
    return entry
