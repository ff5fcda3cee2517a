"""`make demo`'s pair (configs/mini/demo/, hgd_mm_dev.mini.paths's DEMO_*):
the demo's HGD config trains exactly the main pair's plain student, on its
data at 128 x 128, distils exactly the demo's half-width teacher from the
demo's own checkpoint, and
both build from their pre-trained backbones and take a training step; the
main pair (what the benchmarks run) keeps its full-width teacher at its
own path, and the two teachers' checkpoints do not mix. Build-and-step only:
nothing is trained.
"""
import copy
import os.path as osp
from typing import Dict

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint, save_checkpoint

import hgd_mm  # noqa: F401  (compat fixes + HGD components)
from hgd_mm.engine.teacher_checkpoint import TeacherCheckpointError
from hgd_mm_dev.mini.paths import (DEMO_HGD_CFG, DEMO_ROOT, DEMO_STUDENT_CFG,
                                   DEMO_TEACHER_CFG, DEMO_TEACHER_RUN,
                                   HGD_CFG, REPO, STUDENT_CFG, TEACHER_CFG)
from hgd_mm_dev.mini.pretrain import (PretrainSettings,
                                      detector_pretraining, pretrain_configs)
from mmdet.utils import register_all_modules
from model_steps import build, training_step

register_all_modules(init_default_scope=False)
pytestmark = pytest.mark.usefixtures('one_thread')  # tests/configs/conftest.py


@pytest.fixture(scope='module')
def pretrained(mini_data) -> Dict[str, dict]:
    """Tiny pre-trained backbones of the demo's teacher (the student's come
    with ``mini_data``), where the configs' init_cfg reads them."""
    return pretrain_configs([DEMO_TEACHER_CFG, DEMO_STUDENT_CFG],
                            settings=PretrainSettings(
                                num_images=12, num_val_images=4, epochs=1,
                                batch_size=8),
                            log=lambda _: None)


def without_schedule(cfg: Config) -> dict:
    """A config as a dict, less its schedules (training and backbone
    pre-training), the demo's variables, and the name of the backbone's
    pre-trained checkpoint."""
    out = {k: v for k, v in cfg.to_dict().items()
           if k not in ('max_epochs', 'train_cfg', 'param_scheduler',
                        'mini_pretrain')
           and not k.startswith('demo_')}
    model = out['model'].get('architecture', out['model'])
    model['backbone']['init_cfg'].pop('checkpoint')
    return out


def test_demo_hgd_trains_the_plain_student_from_the_demo_teacher():
    hgd, teacher = Config.fromfile(DEMO_HGD_CFG), Config.fromfile(
        DEMO_TEACHER_CFG)
    demo_student = Config.fromfile(DEMO_STUDENT_CFG)
    student, main_hgd = Config.fromfile(STUDENT_CFG), Config.fromfile(HGD_CFG)
    full = Config.fromfile(TEACHER_CFG)
    # the benchmarks' plain student, data and optimiser, on a shorter
    # schedule of the benchmark students' shape (warm-up, one lr step before
    # the last epoch): the demo's student 4 epochs of 6, its teacher 7 of 10
    assert without_schedule(demo_student) == without_schedule(student)
    # its backbone pre-trained shorter (4 epochs of 8), into a file of its
    # own: the benchmarks' backbone is never replaced
    assert demo_student.mini_pretrain == dict(epochs=4)
    assert 'mini_pretrain' not in student
    checkpoint = demo_student.model.backbone.init_cfg.checkpoint
    assert checkpoint.endswith('/demo/resnet18-w16.pth')
    assert checkpoint.replace('demo/', '') == \
        student.model.backbone.init_cfg.checkpoint
    assert teacher.model.backbone.init_cfg.checkpoint.endswith(
        '/demo/resnet18-w32.pth')
    assert demo_student.train_cfg.max_epochs == 4
    assert student.train_cfg.max_epochs == 6
    assert teacher.train_cfg.max_epochs == 7
    assert full.train_cfg.max_epochs == 10
    for cfg in (demo_student, teacher, student):
        warmup, step = cfg.param_scheduler
        assert warmup == student.param_scheduler[0]
        assert step.end == cfg.train_cfg.max_epochs
        assert step.milestones == [step.end - 1]
    assert {**without_schedule(hgd), 'model': None} == {
        **without_schedule(main_hgd), 'model': None}
    assert hgd.train_cfg == demo_student.train_cfg
    assert hgd.param_scheduler == demo_student.param_scheduler
    assert hgd.model.type == 'FpnTeacherDistill'
    assert hgd.model.architecture == demo_student.model
    assert hgd.model.teacher == teacher.model
    assert hgd.model.distiller == main_hgd.model.distiller
    # its own teacher's checkpoint, which tools/demo.py trains there; the
    # main pair's configs keep theirs (the benchmarks' teacher)
    assert hgd.model.teacher_ckpt == osp.relpath(
        osp.join(DEMO_ROOT, DEMO_TEACHER_RUN, 'teacher.pth'), REPO)
    assert main_hgd.model.teacher_ckpt == osp.relpath(
        osp.join(DEMO_ROOT, 'teacher', 'teacher.pth'), REPO)
    # The demo's teacher: the benchmarks' teacher at half the backbone
    # width (same FPN and head), on the same data and optimiser.
    assert teacher.model.backbone.base_channels == 32
    assert full.model.backbone.base_channels == 64
    assert teacher.model.neck.in_channels == [32, 64, 128, 256]
    assert teacher.model.neck.out_channels == full.model.neck.out_channels
    assert teacher.model.bbox_head == full.model.bbox_head
    assert {**without_schedule(teacher), 'model': None} == {
        **without_schedule(full), 'model': None}
    assert teacher.mini_pretrain == demo_student.mini_pretrain
    # The main pair keeps its full-width teacher.
    assert main_hgd.model.teacher == full.model


def test_demo_configs_build_from_pretrained_backbones_and_step(
        pretrained, tmp_path):
    teacher_cfg = Config.fromfile(DEMO_TEACHER_CFG)
    teacher = build(teacher_cfg.model)
    _, _, path = detector_pretraining(teacher_cfg.model)
    assert osp.basename(path) == 'resnet18-w32.pth' and path in pretrained
    saved = _load_checkpoint(path, map_location='cpu')['state_dict']
    assert all(torch.equal(saved[k], v)
               for k, v in teacher.backbone.state_dict().items())
    log_vars = training_step(teacher)
    assert all(torch.isfinite(torch.tensor(v)) for v in log_vars.values())

    # A checkpoint of the demo's teacher: the demo's HGD config loads it
    # (strictly, as every HGD config does) and distils from it.
    ckpt = str(tmp_path / 'demo_teacher.pth')
    save_checkpoint({'state_dict': teacher.state_dict()}, ckpt)
    model = build(Config.fromfile(DEMO_HGD_CFG).model, ckpt)
    assert all(torch.equal(p, teacher.state_dict()[k])
               for k, p in model.teacher.state_dict().items())
    before = copy.deepcopy(model.student.backbone.state_dict())
    log_vars = training_step(model)
    assert all(torch.isfinite(torch.tensor(v)) for v in log_vars.values())
    assert any(k.startswith('distill.loss_hgd') for k in log_vars), log_vars
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(not torch.equal(before[k], v)
               for k, v in model.student.backbone.state_dict().items())

    # The benchmarks' HGD config refuses it: the two teachers never mix.
    with pytest.raises(TeacherCheckpointError):
        build(Config.fromfile(HGD_CFG).model, ckpt)
