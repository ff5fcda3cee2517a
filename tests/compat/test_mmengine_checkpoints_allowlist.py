"""Every checkpoint mmengine can write loads with ``weights_only`` on
(hgd_mm.compat's allow-list), and a pickle that would run code still does not.

Property test: seeded random ``meta`` / ``message_hub`` content, compared after
``save_checkpoint`` -> ``_load_checkpoint`` with what was saved.
"""
import os
import pickle
import random
from typing import Any

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import _load_checkpoint, save_checkpoint

import hgd_mm  # noqa: F401  (applies compat)
from hgd_mm.compat import mmengine_checkpoints

# Every numpy dtype a metric, a seed, a learning rate or a log value can have.
DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
          np.uint16, np.uint32, np.uint64, np.float16, np.float32, np.float64,
          np.longdouble, np.complex64, np.complex128, np.clongdouble, 'U5',
          'S4', 'datetime64[s]', 'timedelta64[ms]']
CASES = int(os.environ.get('HGD_ALLOWLIST_CASES', 300))


def random_array(rng: random.Random, np_rng: np.random.Generator,
                 shape=None) -> np.ndarray:
    dtype = np.dtype(rng.choice(DTYPES))
    if shape is None:
        shape = rng.choice([(), (0,), (3,), (2, 0), (2, 3), (1, 1, 2)])
    raw = np_rng.integers(0, 100, size=shape)
    if dtype.kind in 'US':
        return raw.astype(str).astype(dtype)
    return raw.astype(dtype)


def random_history_buffer(rng: random.Random) -> HistoryBuffer:
    buffer = HistoryBuffer(max_length=rng.choice([1, 5, 1000000]))
    for _ in range(rng.choice([0, 0, 1, 7])):  # empty buffers, often
        buffer.update(rng.uniform(-10, 10), count=rng.randint(1, 4))
    return buffer


def random_leaf(rng: random.Random, np_rng: np.random.Generator) -> Any:
    kind = rng.randrange(7)
    if kind == 0:
        return random_array(rng, np_rng)
    if kind == 1:  # a numpy scalar: a 0-d array's item as a numpy type
        return random_array(rng, np_rng, shape=(1,))[0] \
            if rng.random() < 0.9 else np.float64('nan')
    if kind == 2:
        return random_history_buffer(rng)
    if kind == 3:
        return rng.choice([b'', b'\x00\xff', '', 'epoch', None, True])
    if kind == 4:
        return rng.choice([0, -3, 2**40, 0.5, float('inf')])
    if kind == 5:
        return torch.randn(rng.choice([(), (0,), (2, 3)]))
    return np.array([rng.random(), 'label', None], dtype=object)


def random_tree(rng: random.Random, np_rng: np.random.Generator,
                depth: int = 0) -> Any:
    if depth >= 3 or rng.random() < 0.4:
        return random_leaf(rng, np_rng)
    children = [random_tree(rng, np_rng, depth + 1)
                for _ in range(rng.randint(0, 4))]
    container = rng.randrange(3)
    if container == 0:
        return {f'k{i}': c for i, c in enumerate(children)}
    return children if container == 1 else tuple(children)


def random_message_hub(rng: random.Random, name: str) -> dict:
    """What ``Runner.save_checkpoint`` stores: ``MessageHub.state_dict()``."""
    hub = MessageHub(name)
    for i in range(rng.randint(0, 3)):
        hub._log_scalars[f'train/loss_{i}'] = random_history_buffer(rng)
    hub.update_info('iter', rng.randint(0, 100))
    hub.update_info('keep_ckpt_ids', [1, 2])
    return hub.state_dict()


def assert_same(saved: Any, loaded: Any, where: str = 'checkpoint') -> None:
    """Deep equality that also checks numpy types, dtypes and shapes."""
    assert type(loaded) is type(saved), (where, type(saved), type(loaded))
    if isinstance(saved, dict):
        assert list(saved) == list(loaded), where
        for key in saved:
            assert_same(saved[key], loaded[key], f'{where}.{key}')
    elif isinstance(saved, (list, tuple)):
        assert len(saved) == len(loaded), where
        for i, (a, b) in enumerate(zip(saved, loaded)):
            assert_same(a, b, f'{where}[{i}]')
    elif isinstance(saved, HistoryBuffer):
        assert loaded.max_length == saved.max_length, where
        assert_same(saved._log_history, loaded._log_history, where + '.log')
        assert_same(saved._count_history, loaded._count_history,
                    where + '.count')
        assert loaded.mean() == saved.mean() or (
            np.isnan(saved.mean()) and np.isnan(loaded.mean())), where
    elif isinstance(saved, np.ndarray):
        assert saved.dtype == loaded.dtype, where
        assert saved.shape == loaded.shape, where
        if saved.dtype == object:
            assert_same(saved.tolist(), loaded.tolist(), where)
        else:
            assert saved.tobytes() == loaded.tobytes(), where  # bit for bit
    elif isinstance(saved, np.generic):
        assert saved.dtype == loaded.dtype, where
        assert saved.tobytes() == loaded.tobytes(), where
    elif isinstance(saved, torch.Tensor):
        assert torch.equal(saved, loaded), where
    elif isinstance(saved, float) and saved != saved:
        assert loaded != loaded, where
    else:
        assert saved == loaded, where


def test_random_meta_and_message_hub_round_trip_with_weights_only(tmp_path):
    rng, np_rng = random.Random(0), np.random.default_rng(0)
    path = str(tmp_path / 'ckpt.pth')
    seen_kinds = set()
    for case in range(CASES):
        checkpoint = {
            'meta': {'epoch': case, 'seed': np.int64(case),
                     'content': random_tree(rng, np_rng)},
            'state_dict': {'w': torch.randn(2)},
            'message_hub': random_message_hub(rng, f'allowlist_{case}'),
        }
        save_checkpoint(checkpoint, path)
        loaded = _load_checkpoint(path, map_location='cpu')
        assert_same(checkpoint, loaded, f'case {case}')
        seen_kinds.update(
            (type(v).__name__, getattr(v, 'size', 1) == 0)
            for v in flatten(checkpoint))
    # The generator did produce the hard cases.
    assert ('ndarray', True) in seen_kinds  # empty arrays
    assert ('HistoryBuffer', False) in seen_kinds
    assert any(kind.startswith(('float', 'int', 'bool', 'complex', 'str_'))
               for kind, _ in seen_kinds)  # numpy scalars


def flatten(tree: Any):
    if isinstance(tree, dict):
        tree = list(tree.values())
    if isinstance(tree, (list, tuple)):
        for child in tree:
            yield from flatten(child)
    else:
        yield tree


@pytest.mark.parametrize('content', [
    np.array([]), HistoryBuffer(), np.zeros((0, 3), np.float32),
    np.array([], dtype='U3'), b''], ids=['empty-array', 'empty-buffer',
                                         'empty-2d', 'empty-str', 'b-empty'])
def test_empty_content_needs_the_restricted_bytes(tmp_path, content):
    path = str(tmp_path / 'empty.pth')
    save_checkpoint({'state_dict': {}, 'meta': {'x': content}}, path)
    assert_same(content, _load_checkpoint(path)['meta']['x'])
    # Without the bytes() stand-in torch refuses it (what the issue saw).
    torch.serialization.clear_safe_globals()
    try:
        torch.serialization.add_safe_globals([
            g for g in mmengine_checkpoints.mmengine_checkpoint_safe_globals()
            if not (isinstance(g, tuple) and g[1] == 'builtins.bytes')])
        with pytest.raises(pickle.UnpicklingError, match='bytes'):
            torch.load(path, weights_only=True)
    finally:
        mmengine_checkpoints.allow_mmengine_checkpoints()


class RunsCode:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


class AsksForMemory:
    """A pickle that would use ``bytes(n)`` to allocate ``n`` bytes."""

    def __reduce__(self):
        return (bytes, (10**6,))


class BuildsBytesFromAList:

    def __reduce__(self):
        return (bytes, ([104, 105],))


def test_code_executing_pickle_is_refused_and_does_not_run(tmp_path):
    marker = tmp_path / 'was_run'
    path = str(tmp_path / 'evil.pth')
    save_checkpoint({'state_dict': {}, 'meta': {'x': np.array([]),
                                                'evil': RunsCode(marker)}},
                    path)
    with pytest.raises(pickle.UnpicklingError, match='system'):
        _load_checkpoint(path, map_location='cpu')
    assert not marker.exists()


@pytest.mark.parametrize('payload', [AsksForMemory(), BuildsBytesFromAList()],
                         ids=['bytes-n', 'bytes-list'])
def test_bytes_accepts_only_the_empty_form(tmp_path, payload):
    path = str(tmp_path / 'bytes.pth')
    save_checkpoint({'state_dict': {}, 'meta': {'x': payload}}, path)
    with pytest.raises(pickle.UnpicklingError, match=r'refused bytes\('):
        _load_checkpoint(path, map_location='cpu')
    assert mmengine_checkpoints.numpy_empty_bytes() == b''
