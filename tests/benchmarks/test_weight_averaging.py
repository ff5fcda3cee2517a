"""weight_averaging: an EMA of the weights as an option of any arm, keyed
apart from the arm without it, and run by a real tools/train.py."""
import glob
import os.path as osp

import pytest
import torch

from hgd_mm_dev.benchmarks import provenance, tuning
from hgd_mm_dev.benchmarks.weight_averaging import (ema_options,
                                                    split_ema_name, with_ema)
from hgd_mm_dev.mini.paths import STUDENT_CFG


def test_split_ema_name():
    assert split_ema_name('baseline+ema@0.003') == ('baseline', 0.003)
    assert split_ema_name('pkd@x0.125+ema@1') == ('pkd@x0.125', 1.0)
    assert split_ema_name('neck+micro') == ('neck+micro', None)
    for bad in ('baseline+ema@', 'baseline+ema@fast', 'baseline+ema@0',
                'baseline+ema@1.5'):
        with pytest.raises(ValueError, match=r'in \(0, 1\].*baseline\+ema@'):
            split_ema_name(bad)
    with pytest.raises(ValueError, match='in \\(0, 1\\]'):
        ema_options(0.0)


def test_any_arm_takes_an_ema_by_name():
    arm = tuning.arm_named('pkd@x0.125+ema@0.01')
    plain = tuning.arm_named('pkd@x0.125')
    assert arm.name == 'pkd@x0.125+ema@0.01'
    assert (arm.config, arm.distill) == (plain.config, plain.distill)
    assert arm.options == {**plain.options, **ema_options(0.01)}
    assert tuning.arm_named('baseline+ema@0.0030').name == \
        'baseline+ema@0.0030'  # the name as given: runs are found by it
    assert with_ema(plain, 0.5).name == 'pkd@x0.125+ema@0.5'
    with pytest.raises(ValueError, match='not an arm'):
        tuning.arm_named('nothing+ema@0.01')
    with pytest.raises(SystemExit):  # argparse's error, with the message
        tuning.parse_args(['--candidates', 'baseline+ema@2'])
    # not a sweep arm: it never joins the sweep's rows
    assert tuning.parse_arm_name('pkd@x0.125+ema@0.01') is None


def test_arm_key_includes_an_ema_and_nothing_else_changes():
    plain = provenance.arm_key(STUDENT_CFG, {})
    ema = provenance.arm_key(STUDENT_CFG, ema_options(0.003))
    assert ema != plain
    assert provenance.arm_key(STUDENT_CFG, ema_options(0.01)) != ema
    # as --cfg-options passes them: strings
    assert provenance.arm_key(STUDENT_CFG, {
        k: str(v) for k, v in ema_options(0.003).items()}) == ema
    assert provenance.weight_averaging_hooks(
        {'default_hooks': {'logger': dict(type='LoggerHook'), 'x': None},
         'custom_hooks': [dict(type='EMAHook', momentum=0.1)]}) == [
             dict(type='EMAHook', momentum=0.1)]


def test_an_ema_through_tools_train_saves_the_average(mini_data, tmp_path):
    from helpers import MINI, train
    options = [f'{k}={v}' for k, v in ema_options(0.5).items()]
    train(osp.join(MINI, 'retinanet_r18-w16_fpn64_mini.py'), tmp_path,
          *options)
    from mmengine.runner.checkpoint import _load_checkpoint
    ckpt = _load_checkpoint(
        sorted(glob.glob(str(tmp_path / 'epoch_*.pth')))[-1], 'cpu')
    # EMAHook swaps on save: state_dict is the average, ema_state_dict
    # holds the last step's weights (under ema's 'module.' prefix).
    last = {k[len('module.'):]: v for k, v in ckpt['ema_state_dict'].items()
            if k.startswith('module.')}
    averaged = ckpt['state_dict']
    weights = [k for k in averaged if k.endswith('weight') and
               averaged[k].is_floating_point() and 'bbox_head' in k]
    assert weights
    assert any(not torch.equal(averaged[k], last[k]) for k in weights)
