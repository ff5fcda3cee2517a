"""What a benchmark run was made by: the commit, the arm as run, the
precision and the CPU, recorded with every run so that the report never
pools runs of different code or precision into one row.

``arm_key`` is a digest of the parts of the arm's *resolved* config that
decide what is trained and scored (:data:`TRAINED`: the model, the data,
the schedule and optimiser; every ``_base_`` merged, the run's options
applied, the per-run values such as the seed and the teacher checkpoint
path left out; a hook averaging the weights, where there is one) and,
for an HGD arm, of the sources of ``hgd_mm.models``.
Two runs of one row must share it: a config or an HGD formula that changed
between them makes a new key; a refactoring of the harness, a renamed
config file, another logging interval or checkpoint hook does not.
"""
import hashlib
import json
import os
import os.path as osp
import subprocess
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence

import torch

from hgd_mm.engine.precision import cpu_description

__all__ = [
    'PER_RUN_OPTIONS', 'arm_key', 'git_commit', 'cpu_description',
    'run_precision', 'run_provenance', 'check_poolable'
]

#: The top-level config keys that decide what a run trains and scores.
TRAINED = ('model', 'train_dataloader', 'val_dataloader', 'val_evaluator',
           'val_cfg', 'train_cfg', 'optim_wrapper', 'param_scheduler',
           'auto_scale_lr', 'randomness')
#: Options that differ between the runs of one arm by design.
PER_RUN_OPTIONS = ('randomness.seed', 'model.teacher_ckpt', 'work_dir')
#: Environment the mini configs read paths from; fixed while a key is made.
PATH_VARIABLES = ('HGD_MINI_DATA', 'HGD_MINI_PRETRAINED')


@contextmanager
def placeholder_paths() -> Iterator[None]:
    """Path variables set to placeholders, so that keys do not depend on
    where a run's data and backbones live (their content is in the
    teacher key of the setting).

    It changes ``os.environ`` for the time of a config parse: call it (and
    :func:`arm_key`, :func:`run_precision`) before starting threads that
    launch runs, never beside them (a run started meanwhile would inherit
    the placeholders).
    """
    previous = {name: os.environ.get(name) for name in PATH_VARIABLES}
    try:
        for name in PATH_VARIABLES:
            os.environ[name] = f'<{name}>/'
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def sources_digest(folder: str) -> str:
    """sha256 of every ``.py`` file below ``folder`` (paths and contents)."""
    digest = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(folder)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith('.py'):
                path = osp.join(root, name)
                digest.update(osp.relpath(path, folder).encode())
                with open(path, 'rb') as f:
                    digest.update(f.read())
    return digest.hexdigest()


def weight_averaging_hooks(cfg: dict) -> List[dict]:
    """The hooks of a resolved config that replace the trained weights by
    an average (mmengine's ``EMAHook``, in ``default_hooks`` or
    ``custom_hooks``): they change what is scored, so they are part of the
    arm, where other hooks (logging, checkpoints) are not."""
    hooks = [*(cfg.get('default_hooks') or {}).values(),
             *(cfg.get('custom_hooks') or [])]
    return [hook for hook in hooks if isinstance(hook, dict)
            and 'EMA' in str(hook.get('type', ''))]


def arm_key(config: str, options: Dict[str, object]) -> str:
    """A short digest of what an arm trains (see the module docstring).

    Args:
        config: the arm's config file.
        options: its ``--cfg-options`` (per-run ones are left out).
    """
    from mmengine.config import Config, DictAction
    kept = {k: v for k, v in options.items() if k not in PER_RUN_OPTIONS}
    # As tools/train.py sees them: parsed from KEY=VALUE strings.
    parsed = {k: DictAction._parse_iterable(str(v)) for k, v in kept.items()}
    with placeholder_paths():
        cfg = Config.fromfile(config)
    cfg.merge_from_dict(parsed)
    resolved = cfg.to_dict()
    trained = {k: resolved[k] for k in TRAINED if k in resolved}
    averaging = weight_averaging_hooks(resolved)
    if averaging:  # absent otherwise: the keys of runs without one hold
        trained['weight_averaging'] = averaging
    trained.get('randomness', {}).pop('seed', None)
    text = json.dumps(trained, sort_keys=True, default=repr)
    digest = hashlib.sha256(text.encode())
    if 'HGDDistiller' in text:
        import hgd_mm.models
        digest.update(
            sources_digest(osp.dirname(hgd_mm.models.__file__)).encode())
    return digest.hexdigest()[:16]


def git_commit(repo: str) -> Dict[str, object]:
    """The checkout's HEAD and whether tracked files differ from it."""
    def git(*args: str) -> str:
        return subprocess.run(['git', '-C', repo, *args], check=True,
                              capture_output=True, text=True).stdout.strip()
    try:
        commit = git('rev-parse', 'HEAD')
        dirty = bool(git('status', '--porcelain', '--untracked-files=no'))
    except (OSError, subprocess.CalledProcessError) as error:
        raise RuntimeError(
            f'benchmark provenance: {repo} is not a git checkout ({error}); '
            f'run the benchmarks from a clone of the repository.') from error
    return dict(commit=commit, dirty=dirty)


def run_precision(config: str) -> str:
    """The precision the run's optimiser wrapper trains in on this machine:
    what hgd_mm's CPUAmpOptimWrapper decides here (bf16 where that is faster
    than fp32, unless forced: ``HGD_MM_PRECISION``, its ``precision``),
    ``'fp32'`` for any other wrapper."""
    from mmengine.config import Config

    from hgd_mm.engine.precision import resolve_precision
    with placeholder_paths():
        wrapper = Config.fromfile(config).optim_wrapper
    if 'CPUAmpOptimWrapper' not in str(wrapper.get('type', '')):
        return 'fp32'
    return resolve_precision(wrapper.get('precision'))


def run_provenance(repo: str, setting: str, options: Dict[str, object],
                   key: str, precision: str,
                   threads: Optional[int] = None) -> Dict[str, object]:
    """Everything a run records about how it was made.

    Args:
        repo: the checkout the run is made from.
        setting: the benchmark setting the run belongs to.
        options: the run's ``--cfg-options``, as run.
        key: the arm's :func:`arm_key`.
        precision: its :func:`run_precision`.
        threads: the run's intra-op threads (another count sums in another
            order: the same seed gives another model).
    """
    return dict(setting=setting, **git_commit(repo), arm_key=key,
                options={k: str(v) for k, v in options.items()},
                precision=precision, threads=threads, cpu=cpu_description(),
                torch=torch.__version__)


def check_poolable(runs: Sequence[dict]) -> None:
    """Raise if the runs of one method differ in setting, arm key or
    precision (runs without provenance, from before it was recorded, pool
    only with each other)."""
    by_method: Dict[str, Dict[tuple, List[int]]] = {}
    for run in runs:
        key = (run.get('setting'), run.get('arm_key'), run.get('precision'))
        by_method.setdefault(run['method'], {}).setdefault(key, []).append(
            run['seed'])
    for method, groups in by_method.items():
        if len(groups) > 1:
            described = '; '.join(
                f'setting={s}, arm_key={k}, precision={p}: seeds {seeds}'
                for (s, k, p), seeds in groups.items())
            raise ValueError(
                f'benchmark report: the runs of {method!r} were made by '
                f'different code or precision ({described}); they cannot be '
                f'pooled into one row. Re-run the stale seeds with the '
                f'current code (delete their entries from runs.json), or '
                f'give the changed arm a new name.')
