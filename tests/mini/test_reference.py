"""Reference weights (hgd_mm_dev.mini.reference): a teacher and backbones
saved once are restored by every later session instead of being trained
again (the same inputs train another model on another machine)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from hgd_mm_dev.benchmarks import provenance, study
from hgd_mm_dev.mini import pretrain, reference, runs
from hgd_mm_dev.mini.paths import REPO, STUDENT_CFG, TEACHER_CFG


def test_a_saved_teacher_and_backbone_are_restored_not_trained(
        tmp_path, monkeypatch):
    monkeypatch.setenv(reference.ROOT_VARIABLE, str(tmp_path / 'reference'))
    # prepare() points HGD_MINI_PRETRAINED at its root: restored afterwards
    monkeypatch.setenv('HGD_MINI_PRETRAINED', str(tmp_path / 'pa') + '/')
    data = str(tmp_path / 'data')
    monkeypatch.setattr(study, 'QUICK_PRETRAINED_ROOT', str(tmp_path / 'pa'))
    first = study.prepare('tune', True, data, str(tmp_path / 'a'))
    student_backbone = pretrain.detector_pretraining(
        Config.fromfile(STUDENT_CFG).model)[2]
    reference.save_teacher(str(tmp_path / 'a' / 'teacher'), 'teacher_quick')
    reference.save_pretrained(student_backbone)

    # a new machine: other work dirs, and nothing may be trained
    def refuse(*args, **kwargs):
        raise AssertionError('trained although a reference exists')

    monkeypatch.setattr(runs, 'train', refuse)
    monkeypatch.setattr(pretrain, 'pretrain_backbone', refuse)
    monkeypatch.setattr(study, 'QUICK_PRETRAINED_ROOT', str(tmp_path / 'pb'))
    second = study.prepare('tune', True, data, str(tmp_path / 'b'))
    assert second.teacher['key'] == first.teacher['key']
    assert second.teacher_weights == first.teacher_weights is not None
    assert second.teacher_weights == reference.weights_digest(
        second.teacher['checkpoint'])
    restored = osp.join(str(tmp_path / 'pb'), osp.basename(student_backbone))
    assert torch.equal(*(torch.load(p, weights_only=True)['state_dict'][
        'conv1.weight'] for p in (student_backbone, restored)))
    # the teacher's own backbone is needed only to train the teacher
    assert not osp.exists(osp.join(str(tmp_path / 'pb'), osp.basename(
        pretrain.detector_pretraining(Config.fromfile(TEACHER_CFG).model)[2])))

    # a reference file that is not the one the manifest names is refused
    path = tmp_path / 'reference' / 'teacher_quick.pth'
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(reference.ReferenceWeightsError, match='git checkout'):
        reference.find(second.teacher['key'])


def test_the_weights_digest_is_the_models_not_the_files(tmp_path):
    weights = dict(conv=torch.arange(6.0).reshape(2, 3))
    torch.save(dict(state_dict=weights, optimizer=dict(step=1)),
               str(tmp_path / 'a.pth'))
    torch.save(dict(state_dict=weights), str(tmp_path / 'b.pth'))
    torch.save(dict(state_dict=dict(conv=weights['conv'] + 1e-6)),
               str(tmp_path / 'c.pth'))
    a, b, c = (reference.weights_digest(str(tmp_path / f'{n}.pth'))
               for n in 'abc')
    assert a == b != c


def test_the_committed_reference_is_what_the_main_pair_asks_for():
    """Every committed file has the bytes its manifest names, the main
    pair's teacher loads strictly into its mmdet detector, and its key is the
    one the current configs make (a changed teacher or backbone config
    makes another key: then it is trained again and saved anew)."""
    manifest = reference.load_manifest(reference.REFERENCE_ROOT)
    assert manifest, 'dev/reference/manifest.json is missing'
    entries = {key: reference.find(key, reference.REFERENCE_ROOT)
               for key in manifest}
    teacher_key, teacher = next(
        (k, e) for k, e in entries.items()
        if e['name'] == 'teacher_retinanet-quarter-width')
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    detector = MODELS.build(Config.fromfile(TEACHER_CFG).model)
    state = torch.load(teacher['path'], weights_only=True)['state_dict']
    detector.load_state_dict(state, strict=True)
    assert reference.weights_digest(teacher['path']) == teacher['record'][
        'weights_sha256']
    # the key: the teacher config as run, the data's meta.json digest, the
    # options, and the backbones' keys (teacher's and student's)
    options = {'randomness.seed': 0}
    config_key = provenance.arm_key(TEACHER_CFG, options)
    backbones = pretrain.pretrain_configs([TEACHER_CFG, STUDENT_CFG],
                                          make=False)
    assert teacher_key.startswith(config_key)
    assert teacher_key.endswith(''.join(sorted(
        r['key'] for r in backbones.values())))
    student = backbones[pretrain.detector_pretraining(
        Config.fromfile(STUDENT_CFG).model)[2]]
    assert entries[student['key']]['kind'] == 'pretrained'
    assert osp.relpath(teacher['path'], REPO).startswith('dev/reference/')


@pytest.mark.parametrize('setting', ['retinanet-depth', 'faster-rcnn-depth'])
def test_the_committed_teacher_of_a_setting_is_what_it_asks_for(setting):
    """A setting's committed teacher (a: RetinaNet, b: Faster R-CNN) loads
    strictly into its detector, and its key is the one its configs make
    (teacher config, and the backbones of its teacher and its student:
    those study.prepare_setting names)."""
    from hgd_mm_dev.mini.paths import SETTINGS
    configs = SETTINGS[setting]
    manifest = reference.load_manifest(reference.REFERENCE_ROOT)
    key, entry = next((k, e) for k, e in manifest.items()
                      if e['name'] == f'teacher_{setting}')
    teacher = reference.find(key, reference.REFERENCE_ROOT)
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    detector = MODELS.build(Config.fromfile(configs['teacher']).model)
    state = torch.load(teacher['path'], weights_only=True)['state_dict']
    detector.load_state_dict(state, strict=True)
    backbones = pretrain.pretrain_configs(
        [configs['teacher'], configs['student']], make=False)
    assert key.startswith(provenance.arm_key(configs['teacher'],
                                             {'randomness.seed': 0}))
    assert key.endswith(''.join(sorted(r['key']
                                       for r in backbones.values())))
    student = backbones[pretrain.detector_pretraining(
        Config.fromfile(configs['student']).model)[2]]
    assert manifest[student['key']]['kind'] == 'pretrained'
