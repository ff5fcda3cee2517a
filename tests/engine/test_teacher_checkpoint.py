"""Teacher checkpoints: clear errors before the first iteration."""
import os

import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import load_checkpoint, save_checkpoint
from mmrazor.models.algorithms.distill.configurable import \
    single_teacher_distill

from helpers import build, hgd_algorithm, tiny_retinanet
from hgd_mm.engine import TeacherCheckpointError, load_teacher_checkpoint


@pytest.fixture(scope='module')
def teacher_cfg():
    return tiny_retinanet(50, 16, 32)


@pytest.fixture
def trained_teacher(teacher_cfg, tmp_path):
    teacher = build(teacher_cfg)
    with torch.no_grad():
        for param in teacher.parameters():
            param.add_(0.5)  # not the init a fresh build would give
    path = str(tmp_path / 'teacher.pth')
    save_checkpoint(
        dict(state_dict=teacher.state_dict(),
             meta=dict(epoch=12, seed=np.int64(0),
                       dataset_meta=dict(classes=('a', )))), path)
    return teacher, path


def distill_with(teacher_cfg, teacher_ckpt, distiller='HGDDistiller',
                 **algorithm_args):
    cfg = hgd_algorithm(tiny_retinanet(18, 8, 16), teacher_cfg)
    cfg.distiller = dict(type=distiller)
    cfg.update(teacher_ckpt=teacher_ckpt, **algorithm_args)
    return build(cfg)


def test_matching_checkpoint_loads_every_weight(teacher_cfg,
                                                trained_teacher):
    teacher, path = trained_teacher
    algorithm = distill_with(teacher_cfg, path)
    for key, value in teacher.state_dict().items():
        assert torch.equal(algorithm.teacher.state_dict()[key], value), key


def test_missing_checkpoint(teacher_cfg, tmp_path):
    with pytest.raises(TeacherCheckpointError, match='does not exist'):
        distill_with(teacher_cfg, str(tmp_path / 'nope.pth'))


def test_unreadable_checkpoint(teacher_cfg, trained_teacher, tmp_path):
    _, path = trained_teacher
    broken = tmp_path / 'broken.pth'
    broken.write_bytes(open(path, 'rb').read()[:1000])
    with pytest.raises(TeacherCheckpointError, match='could not be read'):
        distill_with(teacher_cfg, str(broken))


def test_checkpoint_of_another_architecture(trained_teacher):
    _, path = trained_teacher  # a ResNet-50 teacher's weights
    with pytest.raises(TeacherCheckpointError,
                       match='does not match the teacher') as error:
        distill_with(tiny_retinanet(101, 16, 32), path)
    assert 'missing' in str(error.value)
    with pytest.raises(TeacherCheckpointError, match='another shape'):
        distill_with(tiny_retinanet(50, 8, 32), path)


class RunsCode:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_code_executing_checkpoint_is_refused(teacher_cfg, tmp_path):
    marker = tmp_path / 'was_run'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': RunsCode(marker)}, str(path))
    with pytest.raises(TeacherCheckpointError, match='refused'):
        load_teacher_checkpoint(build(teacher_cfg), str(path))
    assert not marker.exists()


def test_extra_weights_only_warn(teacher_cfg, trained_teacher, tmp_path):
    teacher, _ = trained_teacher
    state = dict(teacher.state_dict(), **{'ema.weight': torch.zeros(1)})
    path = str(tmp_path / 'extra.pth')
    torch.save({'state_dict': state}, path)
    with pytest.warns(UserWarning, match='does not use'):
        load_teacher_checkpoint(build(teacher_cfg), path)


# --- where strict loading applies -------------------------------------------


def test_outside_a_build_mmrazor_loads_with_mmengine(teacher_cfg,
                                                     trained_teacher):
    assert single_teacher_distill.load_checkpoint is load_checkpoint
    _, path = trained_teacher
    with pytest.raises(TeacherCheckpointError):
        distill_with(tiny_retinanet(50, 8, 32), path)
    # Put back after the failed build too.
    assert single_teacher_distill.load_checkpoint is load_checkpoint


def test_opt_out_loads_the_teacher_as_mmrazor_does(trained_teacher):
    _, path = trained_teacher  # weights of another width
    algorithm = distill_with(tiny_retinanet(50, 8, 32), path,
                             strict_teacher_ckpt=False)
    assert algorithm.teacher._is_init  # mmrazor's loading ran, non-strictly


def test_other_distillers_load_as_mmrazor_unless_asked(trained_teacher):
    _, path = trained_teacher
    other = dict(distiller='ConfigurableDistiller')
    distill_with(tiny_retinanet(50, 8, 32), path, **other)
    with pytest.raises(TeacherCheckpointError, match='another shape'):
        distill_with(tiny_retinanet(50, 8, 32), path,
                     strict_teacher_ckpt=True, **other)


def test_strict_switch_takes_only_a_bool_or_none(teacher_cfg,
                                                 trained_teacher):
    _, path = trained_teacher
    with pytest.raises(TypeError, match='strict_teacher_ckpt'):
        distill_with(teacher_cfg, path, strict_teacher_ckpt='yes')
