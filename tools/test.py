# Copyright (c) OpenMMLab. All rights reserved. Adapted for hgd-mm.
"""Test (and evaluate) a detector or a distillation algorithm (mmdet 3.3's
flags).

For an MMRazor distillation config, the ``test_cfg``/``val_cfg`` of the config
decide what is evaluated (``SingleTeacherDistillValLoop`` evaluates the student
and the teacher). ``import hgd_mm`` applies ``hgd_mm.compat`` first.
"""
import argparse
import os
import os.path as osp
import warnings
from copy import deepcopy

import hgd_mm  # compat fixes + HGD components, before any config
from hgd_mm.engine.checkpoint_reader import is_remote
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmdet.engine.hooks.utils import trigger_visualization_hook
from mmdet.evaluation import DumpDetResults
from mmdet.utils import setup_cache_size_limit_of_dynamo


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='MMDet test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='dump predictions to a pickle file for offline evaluation')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images will be saved. '
        'If specified, it will be automatically saved '
        'to the work_dir/timestamp/show_dir')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--tta', action='store_true',
                        help='test-time augmentation (the config\'s '
                        'tta_model and tta_pipeline, else a flip)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        parser.error(f'--out {args.out}: the dump file must end in .pkl or '
                     f'.pickle.')
    return args


def apply_tta(cfg: Config) -> None:
    """mmdet 3.3's ``--tta``: the model wrapped in the config's
    ``tta_model`` (default: ``DetTTAModel``, NMS at IoU 0.5) and the test
    pipeline replaced by ``tta_pipeline`` (default: the test pipeline with
    and without a horizontal flip)."""
    if 'tta_model' not in cfg:
        warnings.warn('Cannot find ``tta_model`` in config, '
                      'we will set it as default.')
        cfg.tta_model = dict(
            type='DetTTAModel',
            tta_cfg=dict(
                nms=dict(type='nms', iou_threshold=0.5), max_per_img=100))
    if 'tta_pipeline' not in cfg:
        warnings.warn('Cannot find ``tta_pipeline`` in config, '
                      'we will set it as default.')
        test_data_cfg = cfg.test_dataloader.dataset
        while 'dataset' in test_data_cfg:
            test_data_cfg = test_data_cfg['dataset']
        cfg.tta_pipeline = deepcopy(test_data_cfg.pipeline)
        cfg.tta_pipeline[-1] = dict(
            type='TestTimeAug',
            transforms=[[
                dict(type='RandomFlip', prob=1.),
                dict(type='RandomFlip', prob=0.)
            ], [
                dict(type='PackDetInputs',
                     meta_keys=('img_id', 'img_path', 'ori_shape',
                                'img_shape', 'scale_factor', 'flip',
                                'flip_direction'))
            ]])
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline


def main(argv=None):
    args = parse_args(argv)
    setup_cache_size_limit_of_dynamo()

    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    # A URL (a model-zoo teacher, s3://...) is fetched by mmengine.
    if (not is_remote(args.checkpoint)
            and not osp.isfile(args.checkpoint)):
        raise FileNotFoundError(
            f'checkpoint {args.checkpoint!r} does not exist: pass the .pth '
            f'written by tools/train.py (e.g. work_dir/epoch_12.pth) or a '
            f'URL.')
    cfg.load_from = args.checkpoint
    # No dataset (the mini data is generated): say how to make it.
    hgd_mm.engine.check_dataset_files(cfg, args.config,
                                      keys=('test_dataloader', ))

    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if args.tta:
        apply_tta(cfg)

    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)

    if args.out is not None:
        runner.test_evaluator.metrics.append(
            DumpDetResults(out_file_path=args.out))
    runner.test()


if __name__ == '__main__':
    main()
