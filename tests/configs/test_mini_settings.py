"""The mini benchmark settings (configs/mini/settings/, hgd_mm_dev.mini.paths's
SETTINGS): every config parses, builds from its pre-trained backbone (the
tiny ones of the ``mini_data`` fixture) and takes a training step with finite
losses; HGD pairs the stages each setting is made for; the distillation
configs train exactly the plain student, distil exactly the setting's
teacher from the setting's own checkpoint, and the peers are the main
pair's. Build-and-step only: nothing is trained.
"""
import copy
import functools
import os
import os.path as osp
from typing import Dict, Tuple

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint
from torch import nn

import hgd_mm  # noqa: F401  (compat fixes + HGD components)
from hgd_mm_dev.mini import MiniDatasetParams
from hgd_mm_dev.mini.paths import MINI_CONFIGS, REPO, SETTINGS
from hgd_mm_dev.mini.pretrain import (PretrainSettings,
                                      detector_pretraining, pretrain_configs,
                                      pretrain_key)
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.utils import register_all_modules
from model_steps import BATCH_SIZE, build, tiny_batch, training_step

register_all_modules(init_default_scope=False)
pytestmark = pytest.mark.usefixtures('one_thread')  # tests/configs/conftest.py

DISTILLERS = ('hgd', 'pkd', 'cwd', 'mgd')
#: Every config of the settings, once (resnet-mobilenetv2's teacher is
#: retinanet-depth's).
CONFIGS = sorted({
    osp.relpath(path, REPO)
    for setting in SETTINGS.values()
    for role, path in setting.items() if role != 'work_root'
})
TINY_PRETRAIN = PretrainSettings(num_images=12, num_val_images=4, epochs=1,
                                 batch_size=8)
# What HGD pairs by default (every FPN level, by stride): (student stage,
# teacher stage, stride, student channels, teacher channels).
FPN_64 = [(f'neck.{i}', f'neck.{i}', 8 * 2**i, 64, 64) for i in range(5)]
EXPECTED_NECK_PAIRS = {
    'retinanet-depth': FPN_64,
    'faster-rcnn-depth': [(f'neck.{i}', f'neck.{i}', 4 * 2**i, 64, 64)
                          for i in range(5)],  # P2-P6
    'fcos-depth': FPN_64,
    'resnet-mobilenetv2': FPN_64,
}
# With stages='all', the backbone stages (C2-C5): equal channels in the
# depth-reduced pairs, MobileNetV2's against ResNet-34's across families.
RESNET_STAGES = [(32, 32), (64, 64), (128, 128), (256, 256)]
EXPECTED_BACKBONE_CHANNELS = {
    'retinanet-depth': RESNET_STAGES,
    'faster-rcnn-depth': RESNET_STAGES,
    'fcos-depth': RESNET_STAGES,
    'resnet-mobilenetv2': [(16, 32), (16, 64), (48, 128), (160, 256)],
}


@pytest.fixture(scope='module')
def pretrained(mini_data) -> Dict[str, dict]:
    """Tiny pre-trained backbones of every setting's teacher and student,
    where ``mini_data`` points HGD_MINI_PRETRAINED (so the configs' init_cfg
    loads them)."""
    configs = sorted({s[role] for s in SETTINGS.values()
                      for role in ('teacher', 'student')})
    return pretrain_configs(configs, settings=TINY_PRETRAIN,
                            log=lambda _: None)


def load(path: str) -> Config:
    """A config, read once per value of the environment variables it reads
    (callers must not modify it)."""
    return load_with(path, os.environ.get('HGD_MINI_PRETRAINED'),
                     os.environ.get('HGD_MINI_DATA'))


@functools.lru_cache(maxsize=None)
def load_with(path: str, *environment: str) -> Config:
    return Config.fromfile(osp.join(REPO, path))


def stage_row(student, teacher) -> Tuple[str, str, int, int, int]:
    assert student.stride == teacher.stride
    return (student.name, teacher.name, student.stride, student.channels,
            teacher.channels)


def test_every_setting_lists_existing_configs():
    assert sorted(SETTINGS) == sorted(EXPECTED_NECK_PAIRS)
    for name, setting in SETTINGS.items():
        assert sorted(setting) == sorted(
            ('teacher', 'student', 'work_root') + DISTILLERS), name
        for role, path in setting.items():
            if role != 'work_root':
                assert osp.isfile(path), (name, role, path)
                assert path.startswith(osp.join(MINI_CONFIGS, 'settings'))


@pytest.mark.parametrize('name', sorted(SETTINGS))
def test_distillation_configs_train_the_plain_student_from_the_setting_teacher(
        name):
    setting = SETTINGS[name]
    teacher = load(setting['teacher'])
    student = load(setting['student'])
    own_ckpt = osp.relpath(
        osp.join(setting['work_root'], 'teacher', 'teacher.pth'), REPO)
    assert own_ckpt != 'work_dirs/demo/teacher/teacher.pth'
    assert teacher.custom_imports.imports == ['hgd_mm']
    assert teacher.train_cfg.max_epochs == 10  # the main teacher's schedule
    assert student.train_cfg.max_epochs == 6  # the mini students'
    for method in DISTILLERS:
        cfg = load(setting[method])
        assert cfg.custom_imports.imports == ['hgd_mm']
        assert cfg.model.type == 'FpnTeacherDistill'
        assert cfg.model.architecture == student.model, method
        assert cfg.model.teacher == teacher.model, method
        assert cfg.model.teacher_ckpt == own_ckpt, method
        assert cfg.train_cfg == student.train_cfg
        assert cfg.optim_wrapper == student.optim_wrapper
        assert cfg.train_dataloader == student.train_dataloader


@pytest.mark.parametrize('name', sorted(SETTINGS))
@pytest.mark.parametrize('method', ('pkd', 'cwd', 'mgd'))
def test_peers_are_the_main_pair_peers(name, method):
    main = load(osp.join(
        'configs', 'mini', 'peers',
        f'{method}_fpn_retina_r18_retina_r18-w16_mini.py')).model.distiller
    distiller = load(SETTINGS[name][method]).model.distiller
    assert distiller == main


def test_pretraining_covers_every_new_backbone(pretrained):
    by_file = {osp.basename(path): record
               for path, record in pretrained.items()}
    assert {'resnet34-w32.pth', 'resnet18-w32.pth',
            'mobilenetv2-x0.5.pth'} <= set(by_file)
    # One checkpoint file per backbone config: the key tells them apart.
    keys = [record['key'] for record in pretrained.values()]
    assert len(set(keys)) == len(keys)
    # The same backbone config in every detector (one file, one key).
    for setting in SETTINGS.values():
        for role in ('teacher', 'student'):
            backbone, normalisation, path = detector_pretraining(
                load(setting[role]).model)
            assert pretrained[path]['key'] == pretrain_key(
                backbone, normalisation, MiniDatasetParams(), TINY_PRETRAIN)


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_from_pretrained_backbones_and_steps(path, pretrained):
    cfg = load(path)
    model = build(cfg.model)
    detector = getattr(model, 'student', model)
    # The backbone holds its pre-trained checkpoint's weights.
    _, _, checkpoint = detector_pretraining(
        cfg.model.get('architecture', cfg.model))
    saved = _load_checkpoint(checkpoint, map_location='cpu')['state_dict']
    state = detector.backbone.state_dict()
    assert saved.keys() == state.keys()
    assert all(torch.equal(saved[k], state[k]) for k in saved)

    roi_head = getattr(detector, 'roi_head', None)
    num_classes = (roi_head.bbox_head.num_classes if roi_head is not None
                   else detector.bbox_head.num_classes)
    assert num_classes == 6
    log_vars = training_step(model, num_classes)

    assert all(torch.isfinite(torch.tensor(v)) for v in log_vars.values()), (
        path, log_vars)
    # The update moved the student's backbone (its gradients flowed).
    assert any(not torch.equal(saved[k], p)
               for k, p in detector.backbone.named_parameters())
    if hasattr(model, 'teacher'):
        assert all(p.grad is None for p in model.teacher.parameters())
        method = osp.basename(path).split('_')[0]
        assert any(k.startswith(f'distill.loss_{method}') for k in log_vars)
    else:  # inference, as the val loop runs it
        model.eval()
        with torch.no_grad():
            results = model(**model.data_preprocessor(
                tiny_batch(num_classes), False), mode='predict')
        assert len(results) == BATCH_SIZE
        for result in results:
            boxes = result.pred_instances
            assert boxes.bboxes.shape == (len(boxes), 4)
            assert bool(((boxes.labels >= 0) & (boxes.labels < 6)).all())


@pytest.mark.parametrize('name', sorted(SETTINGS))
def test_hgd_pairs_the_expected_stages(name, pretrained):
    cfg = load(SETTINGS[name]['hgd'])
    model = build(cfg.model)
    pairs = [stage_row(s, t) for s, t in model.distiller.pairs]
    # (student, teacher, stride, student channels, teacher channels)
    assert pairs == EXPECTED_NECK_PAIRS[name]
    # Equal widths: no projection on the FPN levels.
    assert all(isinstance(c.projection, nn.Identity)
               for c in model.distiller.stage_connectors.values())

    # Every backbone stage too (stages='all'): connectors where the channel
    # counts differ, and only there.
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.distiller.stages = 'all'
    model = build(model_cfg)
    backbone = [stage_row(s, t) for s, t in model.distiller.pairs
                if s.source == 'backbone']
    assert [(f'backbone.{i}', f'backbone.{i}', 4 * 2**i)
            for i in range(4)] == [row[:3] for row in backbone]
    assert [row[3:] for row in backbone] == EXPECTED_BACKBONE_CHANNELS[name]
    for student, teacher in model.distiller.pairs:
        connector = model.distiller.stage_connectors[student.key]
        projects = not isinstance(connector.projection, nn.Identity)
        assert projects == (student.channels != teacher.channels)
    log_vars = training_step(model, 6)
    stage_losses = [k for k in log_vars if k.startswith('distill.loss_hgd_')]
    assert len(stage_losses) == 9
    assert all(torch.isfinite(torch.tensor(log_vars[k])) for k in stage_losses)


@pytest.mark.parametrize('role', ('teacher', 'student'))
def test_complexity_of_a_two_stage_detector(role):
    # hgd_mm_dev.mini.runs.complexity runs the whole detector; a two-stage
    # _forward needs data samples (it raised a TypeError without them).
    from hgd_mm_dev.mini.runs import complexity
    path = SETTINGS['faster-rcnn-depth'][role]
    detector = MMDET_MODELS.build(load(path).model)
    result = complexity(path)
    assert result['params_m'] * 1e6 == pytest.approx(
        sum(p.numel() for p in detector.parameters()))
    assert result['flops_g'] > 0
