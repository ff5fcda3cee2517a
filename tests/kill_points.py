"""Test-only hook: SIGKILL the training process at one chosen point.

Imported by the training subprocess of tests/tools/test_kill_resume.py
(``custom_imports``, with tests/ on ``PYTHONPATH``). ``HGD_KILL_AT`` is
``'<iteration>:<phase>'``, one of the phases in :data:`PHASES`:

- ``step``: right after the optimizer step of that (1-based) iteration;
- ``before_write``: the checkpoint saved at that iteration is built, nothing
  written;
- ``mid_write``: half of its bytes are in the temporary file;
- ``before_pointer``: it is complete (renamed), ``last_checkpoint`` not yet
  updated.

The process kills itself with SIGKILL: no Python cleanup, no flush, exactly
what ``kill -9`` or the OOM killer does.
"""
import os
import os.path as osp
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from hgd_mm.engine import atomic_checkpoint

__all__ = ['KillPointHook', 'PHASES']

PHASES = ('step', 'before_write', 'mid_write', 'before_pointer')


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class KillPointHook(Hook):
    """SIGKILL at ``HGD_KILL_AT``; does nothing when it is not set."""

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        at = os.environ.get('HGD_KILL_AT')
        self.iteration, self.phase = (None, None) if not at else (
            int(at.split(':')[0]), at.split(':')[1])
        assert self.phase in (None, *PHASES), at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if self.phase == 'step' and runner.iter + 1 == self.iteration:
            die()

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        if checkpoint['meta']['iter'] != self.iteration:
            return
        if self.phase == 'before_write':
            die()
        elif self.phase == 'mid_write':
            write_all = atomic_checkpoint._write_all

            def write_half_then_die(file, data):
                write_all(file, data[:len(data) // 2])
                file.flush()
                die()

            atomic_checkpoint._write_all = write_half_then_die
        elif self.phase == 'before_pointer':
            write_atomic = atomic_checkpoint.write_atomic

            def die_before_the_pointer(path, data):
                if osp.basename(str(path)) == 'last_checkpoint':
                    die()
                write_atomic(path, data)

            atomic_checkpoint.write_atomic = die_before_the_pointer
