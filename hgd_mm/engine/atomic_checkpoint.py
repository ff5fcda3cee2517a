"""Crash-safe checkpoint writes through mmengine's own extension points.

mmengine 0.10.7 writes a checkpoint with ``open(path, 'wb').write(...)``
(``LocalBackend.put``) straight over its final name, then ``last_checkpoint``
the same way, and with ``max_keep_ckpts`` deletes the oldest checkpoint
*before* writing the new one. A process killed (or a disk filling up) during
a save leaves a truncated ``epoch_N.pth``, possibly named by
``last_checkpoint``. Here:

- :class:`AtomicLocalBackend` (file backend ``'atomic_local'``, registered with
  mmengine's ``register_backend``) writes every file to a temporary file in the
  same folder, flushes and fsyncs it, then renames it over the final name: a
  reader sees the old file or the complete new one, never a part;
- :class:`AtomicCheckpointHook` (a ``CheckpointHook``) saves through that
  backend, updates ``last_checkpoint`` the same way and only after the
  checkpoint is complete, and deletes outdated checkpoints only after that;
- :func:`atomic_torch_save` is the same write for a tool's own ``torch.save``.
"""
import errno
import glob
import io
import os
import os.path as osp
import re
import uuid
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook
from mmengine.registry import HOOKS

__all__ = [
    'ATOMIC_BACKEND', 'AtomicCheckpointHook', 'AtomicLocalBackend',
    'CheckpointWriteError', 'atomic_torch_save', 'use_atomic_checkpoints',
    'write_atomic'
]

ATOMIC_BACKEND = 'atomic_local'
# ".epoch_3.pth.1f2e3d4c.tmp": hidden, and never matched by "*.pth".
_TEMPORARY_NAME = re.compile(r'^\.(?P<target>.+)\.[0-9a-f]{8}\.tmp$')
_CHUNK_BYTES = 64 << 20


class CheckpointWriteError(OSError):
    """A checkpoint could not be written; the file it would have replaced is
    unchanged. Keeps the ``errno`` of the failure (``ENOSPC`` for a full disk).
    """


def _write_all(file, data: memoryview) -> None:
    # In chunks, so that one huge write() does not need a second full-size
    # buffer in the kernel path; also the seam the kill test cuts a write at.
    for start in range(0, len(data), _CHUNK_BYTES):
        file.write(data[start:start + _CHUNK_BYTES])


def _fsync_folder(folder: str) -> None:
    # Makes the rename itself durable (power loss); not possible on Windows.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Union[str, os.PathLike], data: bytes) -> None:
    """Replace ``path`` by ``data`` so that a crash at any point leaves either
    the previous file or the complete new one.

    Args:
        path: The final file name; its folder is created if needed.
        data: The whole content.

    Raises:
        CheckpointWriteError: writing failed (full disk, permissions...); the
            temporary file is removed and ``path`` is as it was.
    """
    path = osp.abspath(os.fspath(path))
    folder, name = osp.split(path)
    os.makedirs(folder, exist_ok=True)
    temporary = osp.join(folder, f'.{name}.{uuid.uuid4().hex[:8]}.tmp')
    try:
        # 0o666 & ~umask: the permissions a plain open() would have given.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, 'wb') as file:
            _write_all(file, memoryview(data))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.remove(temporary)
        except FileNotFoundError:
            pass
        if not isinstance(error, OSError):
            raise
        reason = ('the disk is full' if error.errno == errno.ENOSPC else
                  error.strerror or str(error))
        raise CheckpointWriteError(
            error.errno,
            f'could not write {path}: {reason}. Nothing was replaced: the '
            f'previous {name} (if any) is intact and no partial file is left. '
            f'Free space in {folder} or write elsewhere (--work-dir), then '
            f'continue with --resume.') from error
    _fsync_folder(folder)


def atomic_torch_save(obj: object, path: Union[str, os.PathLike]) -> None:
    """``torch.save(obj, path)`` written with :func:`write_atomic`."""
    with io.BytesIO() as buffer:
        torch.save(obj, buffer)
        write_atomic(path, buffer.getvalue())


def remove_temporary_files(folder: str) -> list:
    """Delete what a write killed half-way left in ``folder``; returns them."""
    removed = []
    for path in glob.glob(osp.join(glob.escape(folder), '.*.tmp')):
        if _TEMPORARY_NAME.match(osp.basename(path)):
            os.remove(path)
            removed.append(path)
    return removed


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose writes are atomic (temporary file in
    the same folder, flush, fsync, rename). Select it with
    ``backend_args=dict(backend='atomic_local')``; reads are
    ``LocalBackend``'s.
    """

    def put(self, obj: bytes, filepath: Union[str, os.PathLike]) -> None:
        write_atomic(filepath, obj)

    def put_text(self, obj: str, filepath: Union[str, os.PathLike],
                 encoding: str = 'utf-8') -> None:
        write_atomic(filepath, obj.encode(encoding))


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose checkpoints survive a crash at any point.

    A drop-in for mmengine's ``CheckpointHook`` (same arguments). Differences:
    checkpoints are written by :class:`AtomicLocalBackend` when they go to a
    local folder and no ``backend_args`` are given; ``last_checkpoint`` is
    written atomically and only once the checkpoint is complete; outdated
    checkpoints (``max_keep_ckpts``) are deleted only after that, so that
    there is a complete checkpoint at every moment; temporary files left by a
    killed write are removed when training starts. Best checkpoints
    (``save_best``) are written atomically too, but kept in mmengine's order.

    Args:
        backend_args (dict, optional): As ``CheckpointHook``'s. None: the
            atomic local backend for a local ``out_dir``, mmengine's choice
            for a URI (``s3://`` ...).
        **kwargs: Every other ``CheckpointHook`` argument.
    """

    def __init__(self, *args, backend_args: Optional[dict] = None, **kwargs):
        self._atomic_default = (backend_args is None and
                                kwargs.get('file_client_args') is None)
        super().__init__(*args, backend_args=backend_args, **kwargs)

    def before_train(self, runner) -> None:
        out_dir = self.out_dir or runner.work_dir
        if self._atomic_default and '://' not in str(out_dir):
            self.backend_args = dict(backend=ATOMIC_BACKEND)
        super().before_train(runner)
        if not is_main_process() or self.backend_args != dict(
                backend=ATOMIC_BACKEND):
            return
        for folder in {self.out_dir, runner.work_dir}:
            for path in remove_temporary_files(folder):
                runner.logger.info(
                    f'Removed {path}, left by a checkpoint write that was '
                    f'interrupted.')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        # mmengine's order, except that the outdated checkpoint is removed
        # after the new one and last_checkpoint are complete.
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        write_atomic(
            osp.join(runner.work_dir, 'last_checkpoint'),
            str(self.last_ckpt).encode())
        if outdated is not None:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # deepspeed's checkpoints
                self.file_backend.rmtree(path)


def use_atomic_checkpoints(cfg: Config) -> bool:
    """Make a config's ``CheckpointHook`` an :class:`AtomicCheckpointHook`.

    What ``tools/train.py`` does to every config (mmdet's own configs use
    ``CheckpointHook``). A hook of another type is left alone.

    Returns:
        bool: True if the hook was replaced.
    """
    hook = cfg.get('default_hooks', {}).get('checkpoint')
    if hook is None or hook.get('type') not in ('CheckpointHook',
                                                CheckpointHook):
        return False
    hook['type'] = 'AtomicCheckpointHook'
    return True
