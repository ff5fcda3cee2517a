"""Tiny real mmdet detectors and batches for the tests (no weight
downloads)."""
import copy
import glob
import os
import os.path as osp
import subprocess
import sys
import textwrap
from typing import Dict, Optional, Sequence

import torch
from mmengine.config import ConfigDict
from mmengine.hub import get_config

import hgd_mm  # noqa: F401
from launcher import run_script

RESNET_EXPANSION = {18: 1, 34: 1, 50: 4, 101: 4}
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MINI = osp.join(REPO, 'configs', 'mini')
# One short epoch on the tests' tiny mini set (16 images), in fp32: the mini
# configs train under CPU bf16 autocast, which a CPU without native bf16
# emulates at about 3x the time of a run (and which, on these tiny models,
# takes about 3x the time even where it is native). The tests whose subject
# is bf16 training keep it: --amp (test_reliability_runs), the Faster R-CNN
# one-line run (mmcv's ops under autocast, test_train_test_tools) and the
# speed benchmark (the shipped configs as they are; its step profile sees no
# standardisation backward in fp32).
FP32 = 'optim_wrapper.type=OptimWrapper'
# Test runs resize the images to 96 x 96 instead of the configs' 160 x 160
# (the Resize of the mini train and val pipelines): about half the CPU time of
# a run; every FPN level, box and loss of the configs is still there. A
# config whose pipeline puts another transform there fails to build.
SMALL = ['train_dataloader.dataset.pipeline.2.scale=(96,96)',
         'val_dataloader.dataset.pipeline.1.scale=(96,96)']
SHORT = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
         'train_dataloader.batch_size=4', FP32, *SMALL]


def run(args, timeout=600, env=None, fresh=False) -> str:
    """Run a Python script in a process of its own; fail the test with its
    output if it fails. It is forked from an interpreter that has imported
    torch, mmdet, mmrazor and hgd_mm (tests/launcher.py) unless ``fresh``:
    a bare interpreter, for a run whose subject is what gets imported."""
    if fresh:
        result = subprocess.run([sys.executable, *args], cwd=REPO, env=env,
                                capture_output=True, text=True,
                                timeout=timeout)
    else:
        result = run_script(args[0], args[1:], REPO, env, timeout)
    assert result.returncode == 0, (result.stdout[-3000:] +
                                    result.stderr[-5000:])
    return result.stdout + result.stderr


def run_python(code: str, env: Optional[Dict[str, str]] = None
               ) -> subprocess.CompletedProcess:
    """Run a snippet in a fresh interpreter (no ``import hgd_mm`` unless the
    snippet has it, no ``HGD_MM_COMPAT_DISABLE`` unless ``env`` sets it)."""
    environ = {k: v for k, v in os.environ.items()
               if k != 'HGD_MM_COMPAT_DISABLE'}
    environ.update(env or {})
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          cwd=REPO, env=environ, capture_output=True,
                          text=True, timeout=300)


def train(config, work_dir, *options, extra=()) -> str:
    """tools/train.py for one short epoch, plus ``options``."""
    return run([osp.join(REPO, 'tools', 'train.py'), config, '--work-dir',
                str(work_dir), *extra, '--cfg-options', *SHORT, *options])


def train_log(work_dir) -> str:
    """The newest mmengine text log of a work dir."""
    logs = sorted(glob.glob(osp.join(str(work_dir), '*', '*.log')))
    with open(logs[-1]) as f:
        return f.read()


def mmdet_model_cfg(cfg_path: str) -> ConfigDict:
    """The ``model`` dict of one of mmdet's own configs."""
    model = copy.deepcopy(get_config(f'mmdet::{cfg_path}').model)
    model._scope_ = 'mmdet'
    return model


def shrink_resnet(model: ConfigDict, depth: int, base_channels: int,
                  neck_channels: int, out_indices=(0, 1, 2, 3)) -> ConfigDict:
    expansion = RESNET_EXPANSION[depth]
    model.backbone.update(
        depth=depth, base_channels=base_channels, init_cfg=None,
        out_indices=out_indices)
    if 'stem_channels' in model.backbone:
        model.backbone.stem_channels = base_channels
    widths = [base_channels * expansion * 2**i for i in out_indices]
    model.neck.update(in_channels=widths, out_channels=neck_channels)
    return model


def tiny_retinanet(depth: int = 18, base_channels: int = 8,
                   neck_channels: int = 16,
                   num_classes: int = 3) -> ConfigDict:
    model = shrink_resnet(
        mmdet_model_cfg('retinanet/retinanet_r50_fpn_1x_coco.py'), depth,
        base_channels, neck_channels)
    model.bbox_head.update(in_channels=neck_channels,
                           feat_channels=neck_channels, stacked_convs=1,
                           num_classes=num_classes)
    return model


def tiny_faster_rcnn(depth: int = 18, base_channels: int = 8,
                     neck_channels: int = 16,
                     num_classes: int = 3) -> ConfigDict:
    model = shrink_resnet(
        mmdet_model_cfg('faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'), depth,
        base_channels, neck_channels)
    model.rpn_head.update(in_channels=neck_channels,
                          feat_channels=neck_channels)
    model.roi_head.bbox_roi_extractor.out_channels = neck_channels
    model.roi_head.bbox_head.update(in_channels=neck_channels,
                                    fc_out_channels=32,
                                    num_classes=num_classes)
    model.train_cfg.rpn_proposal.update(nms_pre=200, max_per_img=100)
    model.train_cfg.rcnn.sampler.num = 64
    model.test_cfg.rpn.update(nms_pre=200, max_per_img=100)
    return model


def hgd_algorithm(student: ConfigDict, teacher: ConfigDict,
                  algorithm: str = 'FpnTeacherDistill',
                  distiller: Optional[dict] = None) -> ConfigDict:
    return ConfigDict(
        _scope_='mmrazor',
        type=algorithm,
        architecture=student,
        teacher=teacher,
        distiller=dict(type='HGDDistiller', **(distiller or {})))


def build(cfg) -> torch.nn.Module:
    from mmrazor.registry import MODELS
    import mmdet.models  # noqa: F401  (registers mmdet's models)
    return MODELS.build(copy.deepcopy(cfg))


def demo_batch(model, batch_size: int = 2, size: int = 128,
               num_items: Optional[Sequence[int]] = None,
               num_classes: int = 3, seed: int = 0):
    """A real preprocessed mmdet batch: (inputs, data_samples)."""
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(seed)
    import numpy as np
    np.random.seed(seed)
    packed = demo_mm_inputs(batch_size, image_shapes=[(3, size, size)] *
                            batch_size, num_items=num_items,
                            num_classes=num_classes, with_mask=False)
    data = model.data_preprocessor(packed, True)
    return data['inputs'], data['data_samples']
