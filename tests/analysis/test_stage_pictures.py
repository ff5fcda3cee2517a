"""hgd_mm.analysis.stage_pictures: one picture per stage pair, from a
config and a distillation checkpoint."""
import os.path as osp

import pytest
import torch
from PIL import Image

from hgd_mm.analysis import visualize
from hgd_mm.analysis.stage_pictures import (build_model, display_image,
                                            load_config)
from helpers import MINI

HGD_CONFIG = osp.join(MINI, 'hgd_retina_r18_retina_r18-w16_mini.py')
STAGES = ['neck_0', 'neck_1', 'neck_2', 'neck_3', 'neck_4']


def test_visualize_loads_a_distillation_checkpoint(mini_data, tmp_path):
    # A checkpoint of the whole algorithm (student, connectors, teacher),
    # as CheckpointHook saves it: the state dict must load strictly.
    with pytest.warns(UserWarning, match='randomly initialised'):
        cfg = load_config(HGD_CONFIG, 'none', None)
    model = build_model(cfg, None)
    checkpoint = tmp_path / 'hgd.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    val_image = osp.join(mini_data, 'val', '000002.png')
    paths = visualize(HGD_CONFIG, checkpoint=str(checkpoint),
                      image=val_image, out_dir=str(tmp_path / 'vis'))
    assert [osp.splitext(osp.basename(p))[0] for p in paths] == STAGES
    for path in paths:
        with Image.open(path) as image:
            assert image.size[0] > 100 and image.size[1] > 100


def test_display_image_is_the_pipeline_image_in_rgb_on_the_padded_canvas():
    bgr = torch.zeros(3, 2, 3, dtype=torch.uint8)
    bgr[0] = 10  # blue
    bgr[2] = 200  # red
    canvas = display_image(dict(inputs=bgr), (4, 5))
    assert canvas.shape == (4, 5, 3)
    assert canvas[0, 0].tolist() == [200, 0, 10]
    assert canvas[2:].sum() == 0 and canvas[:, 3:].sum() == 0
