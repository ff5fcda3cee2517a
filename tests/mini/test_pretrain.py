"""hgd_mm_dev.mini.pretrain: crops, a tiny pre-training, the checkpoint a real
mmdet detector starts from, and the content-keyed cache."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from hgd_mm_dev.mini import MiniDatasetParams
from hgd_mm_dev.mini import pretrain
from helpers import MINI

STUDENT = f'{MINI}/retinanet_r18-w16_fpn64_mini.py'
TINY = pretrain.PretrainSettings(num_images=12, num_val_images=4, epochs=1,
                                 batch_size=8)


def test_crops_have_the_size_and_labels_of_their_objects():
    params = MiniDatasetParams()
    crops, labels = pretrain.object_crops(params, TINY, 0, 12)
    assert crops.shape[1:] == (TINY.crop_size, TINY.crop_size, 3)
    assert crops.dtype == np.uint8 and len(crops) == len(labels)
    # the six shapes and the background class, nothing else
    assert set(labels.tolist()) <= set(range(len(params.classes) + 1))
    assert (labels == len(params.classes)).any()  # background crops
    again, _ = pretrain.object_crops(params, TINY, 0, 12)
    assert np.array_equal(crops, again)  # deterministic
    held_out, _ = pretrain.object_crops(params, TINY, 1, 12)
    assert not np.array_equal(crops[:len(held_out)], held_out[:len(crops)])


def test_normalise_matches_the_detector_preprocessor():
    from mmdet.models.data_preprocessors import DetDataPreprocessor
    model = Config.fromfile(STUDENT).model
    _, normalisation, _ = pretrain.detector_pretraining(model)
    crops = np.random.default_rng(0).integers(0, 255, (2, 8, 8, 3),
                                              dtype=np.uint8)
    preprocessor = DetDataPreprocessor(
        mean=model.data_preprocessor.mean, std=model.data_preprocessor.std,
        bgr_to_rgb=model.data_preprocessor.bgr_to_rgb)
    expected = preprocessor(dict(inputs=[
        torch.from_numpy(c).permute(2, 0, 1) for c in crops
    ]))['inputs']
    assert torch.allclose(pretrain.normalise(crops, normalisation), expected)


def test_pretrained_backbone_is_what_the_detector_starts_from(tmp_path):
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    model_cfg = copy.deepcopy(Config.fromfile(STUDENT).model)
    backbone, normalisation, _ = pretrain.detector_pretraining(model_cfg)
    out = str(tmp_path / 'backbone.pth')
    record = pretrain.ensure_pretrained(backbone, normalisation, out,
                                        settings=TINY, log=lambda _: None)
    assert not record['reused'] and 0 <= record['val_accuracy'] <= 1
    saved = torch.load(out, weights_only=True)['state_dict']

    model_cfg.backbone.init_cfg.checkpoint = out
    detector = MODELS.build(model_cfg)
    detector.init_weights()
    loaded = detector.backbone.state_dict()
    assert saved.keys() == loaded.keys()
    assert all(torch.equal(saved[k], loaded[k]) for k in saved)
    # a freshly initialised backbone differs: the weights did load
    model_cfg.backbone.init_cfg = None
    fresh = MODELS.build(model_cfg)
    fresh.init_weights()
    assert not torch.equal(fresh.backbone.conv1.weight, saved['conv1.weight'])

    # same inputs: reused, nothing trained; other settings: trained again
    reused = pretrain.ensure_pretrained(backbone, normalisation, out,
                                        settings=TINY, log=lambda _: None)
    assert reused['reused'] and reused['key'] == record['key']
    other = pretrain.PretrainSettings(**dict(vars(TINY), epochs=2))
    assert pretrain.pretrain_key(backbone, normalisation, MiniDatasetParams(),
                                 other) != record['key']


def test_config_without_a_pretrained_init_is_a_clear_error():
    model = copy.deepcopy(Config.fromfile(STUDENT).model)
    model.backbone.init_cfg = None
    with pytest.raises(ValueError, match="type='Pretrained'"):
        pretrain.detector_pretraining(model)


def test_each_config_says_how_its_backbone_is_pretrained(monkeypatch):
    # `make demo`'s configs pre-train shorter (mini_pretrain), into files
    # of their own: the benchmarks' backbones are never replaced by them.
    from hgd_mm_dev.mini import pretrain_cli
    from hgd_mm_dev.mini.paths import (DEMO_STUDENT_CFG, DEMO_TEACHER_CFG,
                                       STUDENT_CFG, TEACHER_CFG)
    seen = {}

    def ensure(backbone, normalisation, out_file, params, settings, log):
        seen[out_file] = settings
        return dict(key='k', reused=True, val_accuracy=1.0, num_classes=7)

    monkeypatch.setattr(pretrain, 'ensure_pretrained', ensure)
    configs = [TEACHER_CFG, STUDENT_CFG, DEMO_TEACHER_CFG, DEMO_STUDENT_CFG]
    pretrain.pretrain_configs(configs)
    root = Config.fromfile(STUDENT_CFG).pretrained_root  # as the env says
    files = {osp.relpath(path, root): s for path, s in seen.items()}
    default = pretrain.PretrainSettings()
    assert files == {
        'resnet18-w64.pth': default, 'resnet18-w16.pth': default,
        'demo/resnet18-w32.pth': pretrain.PretrainSettings(epochs=4),
        'demo/resnet18-w16.pth': pretrain.PretrainSettings(epochs=4)}

    # explicit settings (quick runs, the CLI's flags) replace every config's
    seen.clear()
    pretrain.pretrain_configs(configs, settings=TINY)
    assert set(seen.values()) == {TINY}
    seen.clear()
    pretrain_cli.main([DEMO_STUDENT_CFG])  # no flag: the config's own
    assert list(seen.values()) == [pretrain.PretrainSettings(epochs=4)]
    seen.clear()
    pretrain_cli.main([DEMO_STUDENT_CFG, '--epochs', '12'])
    assert list(seen.values()) == [pretrain.PretrainSettings(epochs=12)]


def test_an_unknown_pretraining_field_is_a_clear_error():
    cfg = Config(dict(mini_pretrain=dict(epochs=4, warmup=3)))
    with pytest.raises(ValueError, match=r"\['warmup'\].*num_images"):
        pretrain.config_settings(cfg)
