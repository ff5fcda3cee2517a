"""hgd_mm_dev.mini.pretrain: crops, a tiny pre-training, the checkpoint a real
mmdet detector starts from, and the content-keyed cache."""
import copy

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
