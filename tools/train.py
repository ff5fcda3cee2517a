# Copyright (c) OpenMMLab. All rights reserved. Adapted for hgd-mm.
"""Train a detector or a distillation algorithm (mmdet 3.3's flags).

Works for plain mmdet configs (``default_scope='mmdet'``) and MMRazor
configs (``default_scope='mmrazor'`` or ``model._scope_='mmrazor'``).
``import hgd_mm`` applies the stack's compatibility fixes (``hgd_mm.compat``)
and registers the HGD components before any config is read.
"""
import argparse
import logging
import os
import os.path as osp

import hgd_mm  # compat fixes + HGD components, before any config
import torch
from hgd_mm.engine.allocator import keep_freed_memory
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmdet.utils import setup_cache_size_limit_of_dynamo


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='enable automatically scaling LR.')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='If specify checkpoint path, resume from it, while if not '
        'specify, try to auto resume from the latest checkpoint '
        'in the work directory.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch >= 2) or
    # --local_rank (older); torchrun sets LOCAL_RANK instead.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def enable_amp(cfg: Config) -> None:
    """Switch the optimizer wrapper(s) to AmpOptimWrapper."""
    optim_wrapper = cfg.optim_wrapper
    if optim_wrapper.get('constructor') and 'architecture' in optim_wrapper:
        # MMRazor's multi-wrapper layout: only the architecture is trained.
        optim_wrapper = optim_wrapper.architecture
    wrapper_type = optim_wrapper.get('type', 'OptimWrapper')
    if wrapper_type in ('AmpOptimWrapper', 'CPUAmpOptimWrapper'):
        print_log('AMP training is already enabled in your config.',
                  logger='current', level=logging.WARNING)
        return
    if wrapper_type != 'OptimWrapper':
        raise ValueError(
            f'--amp needs optim_wrapper.type="OptimWrapper" to replace, but '
            f'the config sets {wrapper_type!r}. Set AmpOptimWrapper in the '
            f'config yourself, or drop --amp.')
    if torch.cuda.is_available():
        optim_wrapper.type = 'AmpOptimWrapper'
        optim_wrapper.loss_scale = 'dynamic'
    else:
        # mmengine's AmpOptimWrapper needs a GPU; on CPU: bf16 autocast
        # where it is faster than fp32 (hgd_mm.engine.precision).
        print_log('--amp without CUDA: CPUAmpOptimWrapper (bf16 autocast '
                  'where it trains faster than fp32: native bf16 with AMX, '
                  'or Arm bf16; else fp32; HGD_MM_PRECISION forces either).',
                  logger='current')
        optim_wrapper.type = 'CPUAmpOptimWrapper'


def build_cfg(args) -> Config:
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    # work_dir is determined in this priority: CLI > segment in file > filename
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        enable_amp(cfg)

    if args.auto_scale_lr:
        if 'auto_scale_lr' in cfg and \
                'enable' in cfg.auto_scale_lr and \
                'base_batch_size' in cfg.auto_scale_lr:
            cfg.auto_scale_lr.enable = True
        else:
            raise RuntimeError('Can not find "auto_scale_lr" or '
                               '"auto_scale_lr.enable" or '
                               '"auto_scale_lr.base_batch_size" in your'
                               ' configuration file.')

    # Checkpoints written atomically; last_checkpoint only once complete.
    hgd_mm.engine.use_atomic_checkpoints(cfg)
    # A NaN/inf total loss stops training before NaN weights are saved.
    hgd_mm.engine.use_nonfinite_loss_guard(cfg)

    if args.resume is not None:
        # The newest checkpoint that loads (a truncated one is skipped with a
        # warning); None: the work dir has none yet, start from scratch.
        cfg.load_from = hgd_mm.engine.resolve_resume_checkpoint(
            args.resume, cfg.work_dir)
        cfg.resume = cfg.load_from is not None
    return cfg


def main(argv=None):
    args = parse_args(argv)
    # Reuse freed blocks instead of faulting in fresh pages every step.
    keep_freed_memory()
    # Reduce the number of repeated compilations and improve training speed.
    setup_cache_size_limit_of_dynamo()
    cfg = build_cfg(args)
    # A local cfg_path (MMRazor reads only pkg:: names): name what works.
    hgd_mm.engine.check_cfg_paths(cfg)
    # No dataset (the mini data is generated): say how to make it, now.
    hgd_mm.engine.check_dataset_files(cfg, args.config)
    # Missing pre-trained backbone weights: say how to make them, now.
    hgd_mm.engine.check_pretrained_checkpoints(cfg, args.config)
    # A teacher fed images unlike its own training images: say so now.
    hgd_mm.engine.check_teacher_inputs(cfg)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    main()
