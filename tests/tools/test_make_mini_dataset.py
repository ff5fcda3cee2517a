"""tools/misc/make_mini_dataset.py: the command line of hgd_mm_dev.mini (one
option per MiniDatasetParams field), its summary, overwrite and errors."""
import json
import subprocess
import sys
from collections import Counter
from dataclasses import fields
from pathlib import Path

from hgd_mm_dev.mini import MiniDatasetParams
from hgd_mm_dev.mini.cli import params_of, parse_args

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'misc' / 'make_mini_dataset.py'


def load_json(path):
    with open(path) as f:
        return json.load(f)


def test_every_field_is_an_option_with_the_field_default():
    args = parse_args(['out'])
    assert params_of(args) == MiniDatasetParams()
    for spec in fields(MiniDatasetParams):
        assert hasattr(args, spec.name), spec.name
    given = parse_args(['out', '--classes', 'ring', 'star', '--size-probs',
                        '0.5', '0.5', '0', '--min-side', '12', '--img-size',
                        '96'])
    assert params_of(given) == MiniDatasetParams(
        classes=('ring', 'star'), size_probs=(0.5, 0.5, 0.0), min_side=12,
        img_size=96)


def test_bad_values_are_a_usage_error_without_traceback(tmp_path):
    run = subprocess.run(
        [sys.executable, str(TOOL), str(tmp_path / 'out'), '--img-size', '96'],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert 'too small for large objects' in run.stderr
    assert 'size_probs to 0' in run.stderr
    assert 'Traceback' not in run.stderr
    assert not (tmp_path / 'out').exists()


def test_cli_summary_and_overwrite(tmp_path):
    out = tmp_path / 'mini'
    cmd = [
        sys.executable,
        str(TOOL),
        str(out), '--num-train', '6', '--num-val', '3', '--img-size', '96',
        '--seed', '5', '--max-objects', '3', '--size-probs', '0.5', '0.5', '0'
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    for word in ('train', 'val', 'circle', 'star', 'small', 'medium', 'large'):
        assert word in run.stdout
    meta = load_json(out / 'meta.json')
    assert (meta['seed'], meta['img_size'], meta['num_train'],
            meta['num_val']) == (5, 96, 6, 3)
    coco = load_json(out / 'annotations' / 'instances_train.json')
    assert len(coco['images']) == 6
    assert all(a['area'] < 96**2 for a in coco['annotations'])
    per_image = Counter(a['image_id'] for a in coco['annotations'])
    assert max(per_image.values()) <= 3

    again = subprocess.run(cmd + ['--quiet'], capture_output=True, text=True,
                           timeout=120)
    assert again.returncode != 0 and 'overwrite' in again.stderr
    again = subprocess.run(cmd + ['--quiet', '--overwrite'],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout == ''
    assert load_json(out / 'annotations' / 'instances_train.json') == coco
