"""tools/analysis/visualize_hgd.py (one picture per stage pair, from the
distiller's own components)."""
import importlib.util
import os.path as osp

import pytest
from PIL import Image

from helpers import MINI, REPO, run

HGD_CONFIG = osp.join(MINI, 'hgd_retina_r18_retina_r18-w16_mini.py')
# The mini pair: ResNet C2..C5 and FPN P3..P7 of both models.
STAGES = ['backbone_0', 'backbone_1', 'backbone_2', 'backbone_3', 'neck_0',
          'neck_1', 'neck_2', 'neck_3', 'neck_4']


def assert_readable_pngs(out_dir, names):
    for name in names:
        path = out_dir / f'{name}.png'
        assert path.exists() and path.stat().st_size > 0, path
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            assert image.size[0] > 100 and image.size[1] > 100


def test_visualize_writes_one_png_per_stage_pair(teacher_ckpt, tmp_path):
    output = run([
        osp.join(REPO, 'tools', 'analysis', 'visualize_hgd.py'), HGD_CONFIG,
        '--teacher-ckpt', teacher_ckpt, '--index', '1', '--out-dir',
        str(tmp_path)
    ])
    assert sorted(p.stem for p in tmp_path.glob('*.png')) == sorted(STAGES)
    assert_readable_pngs(tmp_path, STAGES)
    assert 'wrote 9 stage pictures' in output


def test_visualize_loads_a_distillation_checkpoint(mini_data, tmp_path):
    # A checkpoint of the whole algorithm (student, connectors, teacher),
    # as CheckpointHook saves it: the state dict must load strictly.
    import torch
    # visualize_hgd's code is not in the package yet: load the script.
    spec = importlib.util.spec_from_file_location(
        'visualize_hgd', osp.join(REPO, 'tools', 'analysis',
                                  'visualize_hgd.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    with pytest.warns(UserWarning, match='randomly initialised'):
        cfg = tool.load_config(HGD_CONFIG, 'none', None)
    model = tool.build_model(cfg, None)
    checkpoint = tmp_path / 'hgd.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    val_image = osp.join(mini_data, 'val', '000002.png')
    paths = tool.visualize(HGD_CONFIG, checkpoint=str(checkpoint),
                           image=val_image, out_dir=str(tmp_path / 'vis'))
    assert [osp.splitext(osp.basename(p))[0] for p in paths] == STAGES
    assert_readable_pngs(tmp_path / 'vis', STAGES)
