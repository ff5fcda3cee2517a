"""One method of the speed benchmark, in a process of its own.

``python -m hgd_mm_dev.benchmarks.speed_worker METHOD --warmup W
[--threads N]`` builds METHOD's model once, runs W warm-up steps, says it
is ready and then serves the parent (``hgd_mm_dev.benchmarks.speed``) one
command per stdin line, answering each with one marked JSON line on stdout:

- ``time B N``: B untimed steps (to bring caches back after the other
  methods ran), then N timed ones; answers their seconds.
  and the minor page faults they took.
- ``summary``: memory, parameters and the last loss.
- ``profile N``: N steps under ``torch.profiler``, by part
  (:mod:`hgd_mm_dev.benchmarks.step_profile`).
- ``finish``: exits.

Like ``tools/train.py``, the worker first makes malloc keep freed memory
(:func:`hgd_mm.engine.allocator.keep_freed_memory`).

``python -m hgd_mm_dev.benchmarks.speed_worker micro_weights --repeats R``
times ``MicroReweighting`` alone and exits.

What is timed per method:
    student_only     plain student config: ``model.train_step`` (data
                     preprocessing, forward, loss, backward, optimiser step).
    teacher_forward  teacher config: ``teacher.extract_feat`` (backbone + neck)
                     under ``torch.no_grad`` with BatchNorm in eval mode and
                     the config's autocast (bf16 in the mini configs), the
                     way ``FpnTeacherDistill`` runs the teacher; the batch is
                     preprocessed once before timing (``train_step`` of a
                     distillation method preprocesses once for both models).
    hgd, pkd, ...    the mini distillation configs: ``model.train_step`` of
                     ``FpnTeacherDistill`` (teacher backbone + neck, student
                     step, distillation losses).

The model is built from its config (``teacher_ckpt=None``: weights do not
change the cost) with the config's optimiser wrapper (in the mini configs
AdamW, gradient clipping, bf16 autocast via ``CPUAmpOptimWrapper``), and runs
on one fixed real batch of the mini train set (the config's dataloader with
``num_workers=0`` and no shuffling, batch size 8).

Memory, on CPU, is the process's resident set size: ``rss_after_build_mb``
once the batch is loaded and the model built, ``peak_mem_mb`` = ``ru_maxrss``
at the end, ``peak_increment_mb`` their difference (activations kept for
backward, gradients, optimiser state, allocator slack: high-water marks).
"""
import argparse
import json
import os
import os.path as osp
import resource
import statistics
import sys
import time
from typing import (TYPE_CHECKING, Callable, Dict, List, Optional, Sequence,
                    Tuple)

from ..mini.paths import HGD_CFG, MINI_CONFIGS, REPO, STUDENT_CFG, TEACHER_CFG
from .speed_report import MICRO_BATCH, MICRO_GRID, MICRO_INPUT
from .tuning import V3_CANDIDATES

if TYPE_CHECKING:
    import torch

__all__ = ['CONFIGS', 'CANDIDATES', 'METHODS', 'MICRO', 'RESULT_MARK', 'main']

PEERS = osp.join(MINI_CONFIGS, 'peers')
CONFIGS = {
    'student_only': STUDENT_CFG,
    'teacher_forward': TEACHER_CFG,
    'hgd': HGD_CFG,
    'pkd': osp.join(PEERS, 'pkd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'cwd': osp.join(PEERS, 'cwd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'mgd': osp.join(PEERS, 'mgd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'fbkd': osp.join(PEERS, 'fbkd_fpn_retina_r18_retina_r18-w16_mini.py'),
    'fitnet': osp.join(PEERS, 'fitnet_fpn_retina_r18_retina_r18-w16_mini.py'),
}
#: HGD v3's candidates (``tuning.V3_CANDIDATES``): HGD's config with the
#: candidate's options, timed like the methods.
CANDIDATES = {name: (arm.config, arm.options)
              for name, arm in V3_CANDIDATES.items()}
METHODS = (*CONFIGS, *CANDIDATES)
#: Methods whose step is a distillation ``train_step`` (can be profiled).
DISTILLATION = tuple(m for m in METHODS
                     if m not in ('student_only', 'teacher_forward'))
MICRO = 'micro_weights'  # the worker that times MicroReweighting alone
MICRO_BOXES = (10, 100, 1000)
RESULT_MARK = 'SPEED_RESULT '


def reply(result: dict) -> None:
    """One marked JSON line for the parent (other output is ignored)."""
    print(RESULT_MARK + json.dumps(result), flush=True)


def rss_mb() -> float:
    """Current resident set size of this process in MB (Linux /proc)."""
    try:
        with open('/proc/self/statm') as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf('SC_PAGE_SIZE') / 2**20
    except (OSError, ValueError):  # not Linux: the high-water mark instead
        return peak_rss_mb()


def minor_faults() -> int:
    """Minor page faults of this process so far (fresh pages mapped in)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def peak_rss_mb() -> float:
    """``ru_maxrss`` in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quiet_mmengine() -> None:
    """Silence mmengine's INFO logging (init_weights prints every tensor)."""
    from mmengine.logging import MMLogger
    MMLogger.get_instance('speed_benchmark', log_level='WARNING')


def config_and_options(method: str) -> Tuple[str, Dict[str, object]]:
    """A method's config file and its ``--cfg-options`` (a candidate's)."""
    return CANDIDATES.get(method) or (CONFIGS[method], {})


def load_config(method: str):
    """The method's config, reading the mini data from ``HGD_MINI_DATA``."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.config import DictAction
    config, options = config_and_options(method)
    cfg = Config.fromfile(config)
    # As tools/train.py reads --cfg-options KEY=VALUE.
    cfg.merge_from_dict({k: DictAction._parse_iterable(str(v))
                         for k, v in options.items()})
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if 'teacher_ckpt' in cfg.model:
        cfg.model.teacher_ckpt = None  # weights do not change the cost
    return cfg


def fixed_batch(cfg) -> dict:
    """The first batch of the config's train dataloader, deterministic."""
    from mmengine.runner import Runner
    loader_cfg = cfg.train_dataloader.copy()
    loader_cfg.update(num_workers=0, persistent_workers=False)
    loader_cfg.sampler = dict(loader_cfg.sampler, shuffle=False)
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    return next(iter(loader))


def build_model(cfg):
    """The config's model, initialised as a Runner would, in train mode."""
    from mmengine.registry import MODELS
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    return model


def time_steps(step: Callable[[], None], untimed: int,
               timed: int) -> List[float]:
    """Run ``step`` ``untimed`` times, then ``timed`` times timed."""
    for _ in range(untimed):
        step()
    times = []
    for _ in range(timed):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


class MethodBench:
    """One method's model, optimiser wrapper and fixed batch, built once.

    Args:
        method: a key of ``CONFIGS``.
    """

    def __init__(self, method: str) -> None:
        from mmengine.optim import build_optim_wrapper
        self.method = method
        self.cfg = load_config(method)
        self.batch = fixed_batch(self.cfg)
        rss_before = rss_mb()
        self.model = build_model(self.cfg)
        self.rss_after_build = rss_mb()
        self.model_mem = self.rss_after_build - rss_before
        self.optim_wrapper = build_optim_wrapper(self.model,
                                                 self.cfg.optim_wrapper)
        self.last_loss: Optional[float] = None
        if method == 'teacher_forward':
            self.step = self.teacher_forward_step()
        else:
            self.step = self.train_step

    def train_step(self) -> None:
        """One ``model.train_step`` with the config's OptimWrapper."""
        log_vars = self.model.train_step(self.batch, self.optim_wrapper)
        self.last_loss = float(log_vars['loss'])

    def teacher_forward_step(self) -> Callable[[], None]:
        """``extract_feat`` under no_grad, BatchNorm frozen, as the algorithm
        runs its teacher, inside the config's optimiser-wrapper context (bf16
        autocast with ``CPUAmpOptimWrapper``), as in a distillation step;
        preprocessing is done once, here, outside the timing."""
        import torch
        model = self.model
        model.eval()  # SingleTeacherDistill(teacher_norm_eval=True)
        with torch.no_grad():
            inputs = model.data_preprocessor(self.batch, True)['inputs']

        def step():
            with torch.no_grad(), self.optim_wrapper.optim_context(model):
                model.extract_feat(inputs)

        return step

    def profile(self, steps: int) -> List[dict]:
        """Per-part times of ``steps`` profiled steps (distillation only)."""
        from .step_profile import profile_step
        if self.method not in DISTILLATION:
            raise ValueError(f'only distillation methods {DISTILLATION} are '
                             f'profiled by part, not {self.method!r}.')
        return profile_step(self.step, self.model, self.optim_wrapper, steps)

    def summary(self) -> dict:
        """What the method is and what it used, at the end."""
        import torch
        inputs = self.batch['inputs']
        peak = peak_rss_mb()
        config, options = config_and_options(self.method)
        return {
            'method': self.method,
            'config': osp.relpath(config, REPO),
            'options': options,
            'peak_mem_mb': peak,
            'rss_after_build_mb': self.rss_after_build,
            'peak_increment_mb': peak - self.rss_after_build,
            'model_mem_mb': self.model_mem,
            'params_m': sum(p.numel()
                            for p in self.model.parameters()) / 1e6,
            'last_loss': self.last_loss,
            'threads': torch.get_num_threads(),
            'optim_wrapper': self.cfg.optim_wrapper.get('type',
                                                        'OptimWrapper'),
            'precision': wrapper_precision(self.optim_wrapper),
            'batch': len(inputs),
            'image_size': list(inputs[0].shape[-2:]),
        }


def wrapper_precision(wrapper) -> str:
    """What an optimiser wrapper trains in: CPUAmpOptimWrapper's decision
    here, mmengine's AmpOptimWrapper's autocast dtype (CUDA: fp16 unless
    bf16), fp32 for any other."""
    from mmengine.optim import AmpOptimWrapper
    if hasattr(wrapper, 'precision'):
        return wrapper.precision
    if isinstance(wrapper, AmpOptimWrapper):
        import torch
        return 'bf16' if wrapper.cast_dtype == torch.bfloat16 else 'fp16'
    return 'fp32'


def serve(bench: MethodBench, warmup: int, keeps_freed_memory: bool) -> None:
    """Warm up, then answer the parent's commands until ``finish``."""
    time_steps(bench.step, warmup, 0)
    reply({'ready': bench.method})
    for line in sys.stdin:
        command, *numbers = line.split()
        counts = [int(n) for n in numbers]
        if command == 'time':
            faults = minor_faults()
            times = time_steps(bench.step, *counts)
            reply({'times': times,
                   'minor_faults': minor_faults() - faults})
        elif command == 'summary':  # before a profile inflates the memory
            reply(dict(bench.summary(),
                       keeps_freed_memory=keeps_freed_memory))
        elif command == 'profile':
            reply({'profile': bench.profile(*counts)})
        elif command == 'finish':
            reply({'finished': bench.method})
            return
        else:
            raise ValueError(f'speed worker: unknown command {line!r}')


def random_boxes(num: int, generator) -> 'torch.Tensor':
    """(num, 4) xyxy boxes inside MICRO_INPUT, sides 4..400 px."""
    import torch
    height, width = MICRO_INPUT
    sides = 4 + torch.rand(num, 2, generator=generator) * 396
    x1 = torch.rand(num, generator=generator) * (width - sides[:, 0])
    y1 = torch.rand(num, generator=generator) * (height - sides[:, 1])
    return torch.stack([x1, y1, x1 + sides[:, 0], y1 + sides[:, 1]], dim=1)


def measure_micro_weights(repeats: int) -> dict:
    """Median ms of ``MicroReweighting()`` (the defaults, the teacher's
    confidence mixed in) per batch for each box count.

    Args:
        repeats: timed calls per box count (after one untimed call).
    """
    import torch
    from hgd_mm.models.weighting import MicroReweighting
    micro = MicroReweighting()
    generator = torch.Generator().manual_seed(0)
    # One random map as the teacher's saliency and its head's confidence:
    # the default mixes the confidence in (teacher_share > 0), so its path
    # is part of what is timed.
    teacher_map = torch.rand(MICRO_BATCH, *MICRO_GRID, generator=generator)
    entries = []
    for num in MICRO_BOXES:
        boxes = [random_boxes(num, generator) for _ in range(MICRO_BATCH)]
        times = time_steps(
            lambda: micro(boxes, MICRO_INPUT, MICRO_GRID, teacher_map,
                          confidence=teacher_map), 1, repeats)
        entries.append({'boxes': num, 'ms': statistics.median(times) * 1e3})
    return {'method': MICRO, 'micro_weights': entries, 'repeats': repeats,
            'threads': torch.get_num_threads()}


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The worker's entry point (the parent starts it; see the docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('method', choices=METHODS + (MICRO, ))
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args(argv)
    import torch
    import hgd_mm  # noqa: F401  (compat fixes + HGD components)
    from hgd_mm.engine.allocator import keep_freed_memory
    keeps_freed_memory = keep_freed_memory()  # as tools/train.py does
    if args.threads:
        torch.set_num_threads(args.threads)
    quiet_mmengine()
    if args.method == MICRO:
        reply(measure_micro_weights(args.repeats))
    else:
        serve(MethodBench(args.method), args.warmup, keeps_freed_memory)


if __name__ == '__main__':
    main()
