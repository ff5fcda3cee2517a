"""Crash-safe checkpoint writes (hgd_mm/engine/atomic_checkpoint.py): a failed
or killed write leaves the previous checkpoint and last_checkpoint intact."""
import errno
import os
import signal
import subprocess
import sys
import textwrap
import uuid

import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.runner.checkpoint import save_checkpoint
from torch.utils.data import Dataset

import hgd_mm  # noqa: F401
from hgd_mm.engine import atomic_checkpoint
from hgd_mm.engine.atomic_checkpoint import (ATOMIC_BACKEND,
                                             CheckpointWriteError,
                                             use_atomic_checkpoints,
                                             write_atomic)

ATOMIC = dict(backend=ATOMIC_BACKEND)


def fail_half_way(monkeypatch, error_number=errno.ENOSPC):
    """The next write stops half-way with ``OSError(error_number)``, as a
    full disk does."""
    original = atomic_checkpoint._write_all

    def write_half_then_fail(file, data):
        original(file, data[:len(data) // 2])
        file.flush()
        raise OSError(error_number, os.strerror(error_number))

    monkeypatch.setattr(atomic_checkpoint, '_write_all', write_half_then_fail)


def leftovers(folder):
    return [name for name in os.listdir(folder) if name.endswith('.tmp')]


def test_write_replaces_the_file_with_the_umask_permissions(tmp_path):
    path = tmp_path / 'sub' / 'f.bin'
    write_atomic(path, b'old')
    write_atomic(path, b'new' * 1000)
    assert path.read_bytes() == b'new' * 1000
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert leftovers(path.parent) == []


def test_full_disk_is_a_clear_error_and_the_previous_file_is_intact(
        tmp_path, monkeypatch):
    path = tmp_path / 'epoch_1.pth'
    save_checkpoint({'state_dict': {'w': torch.ones(3)}}, str(path),
                    backend_args=ATOMIC)
    before = path.read_bytes()
    fail_half_way(monkeypatch)
    with pytest.raises(CheckpointWriteError) as info:
        save_checkpoint({'state_dict': {'w': torch.zeros(1000)}}, str(path),
                        backend_args=ATOMIC)
    assert info.value.errno == errno.ENOSPC
    message = str(info.value)
    assert 'the disk is full' in message and str(path) in message
    assert 'intact' in message and '--resume' in message
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []
    loaded = torch.load(path, weights_only=True)
    assert torch.equal(loaded['state_dict']['w'], torch.ones(3))


def test_mmengine_local_backend_alone_truncates_on_the_same_failure(
        tmp_path, monkeypatch):
    # Why the backend exists: the same failure through mmengine's own
    # LocalBackend destroys the previous checkpoint.
    import builtins
    path = tmp_path / 'epoch_1.pth'
    save_checkpoint({'state_dict': {'w': torch.ones(3)}}, str(path))
    real_open = builtins.open

    class FullDisk:
        def __init__(self, file):
            self.file = file

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, data):
            self.file.write(data[:len(data) // 2])
            raise OSError(errno.ENOSPC, 'No space left on device')

    def open_full_disk(file, mode='r', *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        return FullDisk(handle) if str(file) == str(path) and 'w' in mode \
            else handle

    monkeypatch.setattr(builtins, 'open', open_full_disk)
    with pytest.raises(OSError):
        save_checkpoint({'state_dict': {'w': torch.zeros(1000)}}, str(path))
    monkeypatch.undo()
    with pytest.raises(Exception):
        torch.load(path, weights_only=True)


def test_a_write_killed_half_way_leaves_the_previous_file(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    write_atomic(path, b'complete previous checkpoint')
    code = f"""
        import os, signal
        from hgd_mm.engine import atomic_checkpoint
        original = atomic_checkpoint._write_all
        def write_half_then_die(file, data):
            original(file, data[:len(data) // 2])
            file.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        atomic_checkpoint._write_all = write_half_then_die
        atomic_checkpoint.write_atomic({str(path)!r}, b'x' * 100000)
    """
    result = subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert path.read_bytes() == b'complete previous checkpoint'
    (temporary,) = leftovers(tmp_path)  # the half-written temporary file
    assert (tmp_path / temporary).stat().st_size == 50000
    assert atomic_checkpoint.remove_temporary_files(str(tmp_path)) == [
        str(tmp_path / temporary)]
    assert leftovers(tmp_path) == []


# --- the hook, in a real mmengine Runner -------------------------------------


class Points(Dataset):

    def __len__(self):
        return 4

    def __getitem__(self, index):
        x = torch.tensor([float(index), 1.0])
        return dict(inputs=x, data_samples=x.sum(0, keepdim=True))


class Line(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=((out - data_samples)**2).mean())
        return out


def toy_runner(work_dir, max_epochs, resume=False, **hook):
    return Runner(
        resume=resume,
        model=Line(),
        work_dir=str(work_dir),
        experiment_name=f'atomic_{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=Points(), batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(
            type='AtomicCheckpointHook', interval=1, **hook)),
        default_scope='mmengine')


def pointer(work_dir):
    return (work_dir / 'last_checkpoint').read_text()


def test_hook_keeps_a_complete_checkpoint_at_every_moment(
        tmp_path, monkeypatch):
    """max_keep_ckpts=1: the outdated checkpoint is deleted only after the new
    one and last_checkpoint are written (mmengine deletes it before)."""
    writes = []
    original = atomic_checkpoint.write_atomic

    def record(path, data):
        writes.append((os.path.basename(path),
                       sorted(n for n in os.listdir(tmp_path)
                              if n.endswith('.pth'))))
        original(path, data)

    monkeypatch.setattr(atomic_checkpoint, 'write_atomic', record)
    toy_runner(tmp_path, 3, max_keep_ckpts=1).train()
    assert writes == [
        ('epoch_1.pth', []), ('last_checkpoint', ['epoch_1.pth']),
        ('epoch_2.pth', ['epoch_1.pth']),
        ('last_checkpoint', ['epoch_1.pth', 'epoch_2.pth']),
        ('epoch_3.pth', ['epoch_2.pth']),
        ('last_checkpoint', ['epoch_2.pth', 'epoch_3.pth'])]
    assert sorted(n for n in os.listdir(tmp_path) if n.endswith('.pth')) == [
        'epoch_3.pth']
    assert pointer(tmp_path) == str(tmp_path / 'epoch_3.pth')


def test_full_disk_in_training_stops_with_the_previous_checkpoint_intact(
        tmp_path, monkeypatch):
    toy_runner(tmp_path, 2, max_keep_ckpts=1).train()
    before = (tmp_path / 'epoch_2.pth').read_bytes()
    fail_half_way(monkeypatch)
    with pytest.raises(CheckpointWriteError, match='the disk is full'):
        toy_runner(tmp_path, 3, resume=True, max_keep_ckpts=1).train()
    # With max_keep_ckpts=1 mmengine would have deleted epoch_2.pth before
    # writing epoch_3.pth, leaving no complete checkpoint.
    assert (tmp_path / 'epoch_2.pth').read_bytes() == before
    assert pointer(tmp_path) == str(tmp_path / 'epoch_2.pth')
    assert not (tmp_path / 'epoch_3.pth').exists()
    assert leftovers(tmp_path) == []


def test_hook_removes_temporary_files_of_killed_writes(tmp_path):
    stale = tmp_path / '.epoch_1.pth.0123abcd.tmp'
    stale.write_bytes(b'half')
    other = tmp_path / 'notes.tmp'  # not ours: kept
    other.write_bytes(b'')
    toy_runner(tmp_path, 1).train()
    assert not stale.exists() and other.exists()


def test_train_tool_makes_the_checkpoint_hook_atomic(tmp_path):
    config = tmp_path / 'cfg.py'
    config.write_text("_base_ = ['mmdet::_base_/default_runtime.py']\n")
    cfg = Config.fromfile(str(config))
    assert cfg.default_hooks.checkpoint.type == 'CheckpointHook'
    assert use_atomic_checkpoints(cfg)
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'
    assert cfg.default_hooks.checkpoint.interval == 1
    custom = Config(dict(default_hooks=dict(
        checkpoint=dict(type='MyCheckpointHook'))))
    assert not use_atomic_checkpoints(custom)
    assert custom.default_hooks.checkpoint.type == 'MyCheckpointHook'
