"""Fix ``mmengine_checkpoints``: mmengine 0.10.7 checkpoints on torch >= 2.6.

``torch.load`` defaults to ``weights_only=True`` since torch 2.6 and rejects
the numpy scalars/arrays mmengine stores in ``meta`` and the ``HistoryBuffer``
objects in ``message_hub``. We allow-list exactly those types with
``torch.serialization.add_safe_globals``; ``weights_only`` stays on, so a
checkpoint whose pickle names any other callable is still refused.

Scope: needed by every checkpoint load, so installed at ``import hgd_mm``; it
adds to torch's allow-list and changes no function.
"""
import pickle
from typing import Callable, List

import numpy as np
import torch

__all__ = [
    'allow_mmengine_checkpoints', 'history_buffer_method',
    'mmengine_checkpoint_safe_globals', 'numpy_empty_bytes'
]


def history_buffer_method(owner: object, name: str) -> Callable:
    """Restricted ``getattr`` for unpickling ``HistoryBuffer`` state.

    Resolves ``HistoryBuffer.<statistics method>`` and refuses anything else,
    so allowing the pickle's ``builtins.getattr`` opens nothing more.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = {'min', 'max', 'current', 'mean'}
    allowed.update(HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and isinstance(name, str) and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'refused getattr({owner!r}, {name!r}) while loading a checkpoint '
        f'with weights_only=True: hgd_mm only allows HistoryBuffer statistics '
        f'methods. Load only checkpoints you trust.')


def numpy_empty_bytes(*args: object) -> bytes:
    """Restricted ``bytes`` for unpickling numpy content.

    Pickle protocol 2 (``torch.save``'s) writes an empty ``bytes``, e.g. the
    buffer of an empty array, as the call ``builtins.bytes()``, and every
    non-empty one through ``_codecs.encode`` (which torch already allows).
    Only that empty form is accepted: ``bytes(n)`` would let a checkpoint ask
    for ``n`` bytes of memory, and ``bytes(iterable)`` build arbitrary data.
    """
    if not args:
        return b''
    raise pickle.UnpicklingError(
        f'refused bytes{args!r} while loading a checkpoint with '
        f'weights_only=True: hgd_mm only allows bytes() (the empty buffer '
        f'numpy pickles for an empty array). Load only checkpoints you trust.')


def mmengine_checkpoint_safe_globals() -> List[object]:
    """The non-tensor types mmengine 0.10.7 writes into a checkpoint.

    - ``meta``: numpy scalars (e.g. ``np.float64`` learning rates, seeds drawn
      with numpy) and small arrays, pickled through numpy's reconstruct
      functions and dtype classes;
    - ``message_hub``: ``HistoryBuffer``; its state is numpy arrays plus its
      statistics methods, pickled as ``getattr(HistoryBuffer, 'mean')``. For
      that one use, ``builtins.getattr`` is mapped to
      :func:`history_buffer_method`, which returns only those methods;
    - empty arrays (an empty ``HistoryBuffer`` too) pickle their buffer as
      ``builtins.bytes()``, mapped to :func:`numpy_empty_bytes`.
    Everything else mmengine writes (dicts, lists, tuples, OrderedDict,
    tensors, optimizer and scheduler state) is already allowed by torch.
    """
    from mmengine.logging.history_buffer import HistoryBuffer

    multiarray = getattr(np, '_core', None) or np.core
    safe = [
        HistoryBuffer,
        multiarray.multiarray.scalar,
        multiarray.multiarray._reconstruct,
        np.ndarray,
        np.dtype,
        (history_buffer_method, 'builtins.getattr'),
        (numpy_empty_bytes, 'builtins.bytes'),
    ]
    if multiarray.__name__ != 'numpy.core':
        # numpy >= 2 moved these to numpy._core; checkpoints written with
        # numpy 1.x still name numpy.core.
        legacy = 'numpy.core.multiarray'
        safe += [(multiarray.multiarray.scalar, f'{legacy}.scalar'),
                 (multiarray.multiarray._reconstruct,
                  f'{legacy}._reconstruct')]
    # numpy >= 1.25 pickles a dtype through its class (np.dtypes.Float64DType).
    dtype_classes = [
        type(np.dtype(code))
        for code in ('b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'e',
                     'f', 'd', 'g', 'F', 'D', 'G', '?', 'U', 'S', 'O', 'V',
                     'M', 'm')
    ]
    safe.extend(cls for cls in dtype_classes if cls is not np.dtype)
    return safe


def allow_mmengine_checkpoints() -> bool:
    """Allow-list mmengine's checkpoint types for ``weights_only`` loading."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # torch < 2.4 loads without weights_only
        return False
    add_safe_globals(mmengine_checkpoint_safe_globals())
    return True
