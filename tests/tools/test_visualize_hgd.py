"""tools/analysis/visualize_hgd.py (one picture per stage pair, from the
distiller's own components; the package side is tested in tests/analysis)."""
import os.path as osp

from PIL import Image

from helpers import MINI, REPO, run

HGD_CONFIG = osp.join(MINI, 'hgd_retina_r18_retina_r18-w16_mini.py')
# The mini pair: ResNet C2..C5 and FPN P3..P7 of both models.
STAGES = ['neck_0', 'neck_1', 'neck_2', 'neck_3', 'neck_4']


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
    assert 'wrote 5 stage pictures' in output
