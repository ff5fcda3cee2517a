"""Whole runs through tools/train.py: exact resume, AMP, a frozen teacher."""
import os.path as osp

import torch

from helpers import MINI, train, train_log

HGD = osp.join(MINI, 'hgd_retina_r18_retina_r18-w16_mini.py')
# Fixed seed, deterministic algorithms, no random augmentation (the flip).
# The default 'gap' macro weights keep running means: state a resume must
# restore besides weights and optimiser moments; projecting connectors on
# the (equally wide) FPN levels add trained distiller parameters to it.
DETERMINISTIC = ['randomness.seed=0', 'randomness.deterministic=True',
                 'train_dataloader.dataset.pipeline.3.prob=0.0',
                 'model.distiller.connector.project=True']


def load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def test_interrupted_and_resumed_run_equals_the_uninterrupted_one(
        teacher_ckpt, tmp_path):
    teacher = f'model.teacher_ckpt={teacher_ckpt}'
    straight, resumed = tmp_path / 'straight', tmp_path / 'resumed'
    train(HGD, straight, teacher, *DETERMINISTIC, 'train_cfg.max_epochs=2')
    train(HGD, resumed, teacher, *DETERMINISTIC, 'train_cfg.max_epochs=1')
    train(HGD, resumed, teacher, *DETERMINISTIC, 'train_cfg.max_epochs=2',
          extra=['--resume'])
    assert 'resumed epoch: 1' in train_log(resumed)

    a, b = load(straight / 'epoch_2.pth'), load(resumed / 'epoch_2.pth')
    assert a['state_dict'].keys() == b['state_dict'].keys()
    hgd_state = [k for k in a['state_dict'] if k.startswith('distiller.')]
    assert any('stage_connectors' in k for k in hgd_state)
    assert 'distiller.macro.running_mean' in hgd_state
    assert a['state_dict']['distiller.macro.num_updates'].item() == 8
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    momenta_a = a['optimizer']['state']
    momenta_b = b['optimizer']['state']
    assert momenta_a.keys() == momenta_b.keys()
    for index in momenta_a:
        for name, value in momenta_a[index].items():
            assert torch.equal(value, momenta_b[index][name]), (index, name)
    assert a['meta']['iter'] == b['meta']['iter'] == 8


def test_teacher_stays_frozen_and_has_no_optimizer_state(
        teacher_ckpt, tmp_path):
    train(HGD, tmp_path, f'model.teacher_ckpt={teacher_ckpt}')
    teacher = load(teacher_ckpt)['state_dict']
    trained = load(tmp_path / 'epoch_1.pth')
    state = trained['state_dict']
    for key, value in teacher.items():  # weights and BN statistics
        assert torch.equal(state[f'teacher.{key}'], value), key
    # SGD keeps a momentum buffer per trained parameter; none for the teacher.
    trainable = sum(1 for k in state if k.startswith(
        ('architecture.', 'distiller.')) and not k.endswith(
            ('running_mean', 'running_var', 'num_batches_tracked',
             'num_updates', 'stage_weights', 'nonfinite.count')))
    assert len(trained['optimizer']['state']) == trainable


def test_amp_bf16_on_cpu_keeps_the_distillation_loss_fp32_and_finite(
        teacher_ckpt, tmp_path):
    # The mini schedule already trains in bf16: start from fp32 so that the
    # test sees --amp choose the CPU wrapper.
    train(HGD, tmp_path, f'model.teacher_ckpt={teacher_ckpt}',
          'optim_wrapper.type=OptimWrapper', extra=['--amp'])
    log = train_log(tmp_path)
    # The config dump comes after the --cfg-options and --amp edits.
    assert "type='CPUAmpOptimWrapper'" in log
    assert 'distill.loss_hgd_neck_0' in log
    assert 'nan' not in log.split('Epoch(train)')[-1].lower()
