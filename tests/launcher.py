"""Run a tool script as a child process of a pre-warmed interpreter.

A training launched as ``python tools/train.py`` spends most of a test's
seconds importing torch, mmdet, mmrazor and hgd_mm (about 7 s of CPU each
time). :func:`run_script` forks the script's process instead from a
multiprocessing *forkserver* that imported them once: the script still runs
in a process of its own (its exit code, a ``SIGKILL`` that ends it, its
stdout and stderr, its environment, its global state such as
``torch.use_deterministic_algorithms``, are as a subprocess's), only the
imports are shared.

A forkserver, not a fork of pytest: the server has never run an OpenMP
region, so a forked child's thread pool starts clean (a fork of a process
whose GNU OpenMP pool is running hangs at its first parallel op).

Runs that must start from a bare interpreter (is ``hgd_mm`` imported by the
config's ``custom_imports``? does a compat switch apply?) use
:func:`subprocess.run`, as before.
"""
import multiprocessing
import os
import os.path as osp
import runpy
import subprocess
import sys
import tempfile
from typing import Dict, Optional, Sequence

# What every tool of the repository imports first; a module imported here is
# shared, not re-imported, so it must read no environment variable a test
# changes at import time (hgd_mm.compat reads HGD_MM_COMPAT_DISABLE:
# run_script refuses an environment that sets it).
PRELOAD = ['torch', 'hgd_mm', 'mmdet.models', 'mmdet.evaluation',
           'mmrazor.models', 'mmengine.runner']
_context = None


def _forkserver():
    global _context
    if _context is None:
        context = multiprocessing.get_context('forkserver')
        context.set_forkserver_preload(PRELOAD)
        _context = context
    return _context


def _child(script: str, args: Sequence[str], cwd: str, env: Dict[str, str],
           stdout: str, stderr: str) -> None:
    """The script's process: its own fds 1 and 2, environment, cwd, argv and
    ``sys.path`` (the script's folder, then ``PYTHONPATH``, as Python
    builds it for ``python script.py``)."""
    for fd, path in ((1, stdout), (2, stderr)):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(target, fd)
        os.close(target)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    extra = [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p]
    sys.path[:] = [osp.dirname(osp.abspath(script)), *extra,
                   *[p for p in sys.path if p not in extra]]
    sys.argv = [script, *args]
    runpy.run_path(script, run_name='__main__')


def run_script(script: str, args: Sequence[str], cwd: str,
               env: Optional[Dict[str, str]] = None,
               timeout: float = 600) -> subprocess.CompletedProcess:
    """``subprocess.run([python, script, *args], capture_output=True,
    text=True)``, forked from the pre-warmed server.

    ``returncode`` is the script's exit code (``-N`` when a signal ``N``
    ended it); a run longer than ``timeout`` is killed and raises
    :class:`subprocess.TimeoutExpired`.
    """
    env = dict(os.environ if env is None else env)
    # (os.environ too: the server, started on first use, inherits it.)
    if env.get('HGD_MM_COMPAT_DISABLE') or \
            os.environ.get('HGD_MM_COMPAT_DISABLE'):
        raise ValueError('run_script shares an imported hgd_mm.compat; run '
                         'a script with HGD_MM_COMPAT_DISABLE set through '
                         'subprocess.run')
    with tempfile.TemporaryDirectory() as tmp:
        out, err = osp.join(tmp, 'stdout'), osp.join(tmp, 'stderr')
        process = _forkserver().Process(
            target=_child, args=(script, list(args), cwd, env, out, err))
        process.start()
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired([script, *args], timeout)
        with open(out, errors='replace') as f_out, \
                open(err, errors='replace') as f_err:
            return subprocess.CompletedProcess(
                [sys.executable, script, *args], process.exitcode,
                f_out.read(), f_err.read())
