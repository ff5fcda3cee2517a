"""hgd_mm_dev.mini makes a valid, deterministic COCO set."""
import contextlib
import io
import itertools
import json
import os.path as osp
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest

from hgd_mm import mini
from hgd_mm_dev.mini import MiniDatasetParams

SMALL = dict(num_train=40, num_val=10, num_tune=10, img_size=128)


def params(**fields):
    return MiniDatasetParams(**fields)


@pytest.fixture(scope='module')
def made(tmp_path_factory):
    """A small set with default settings except its size (seed 0)."""
    out = tmp_path_factory.mktemp('mini_seed0')
    return mini.make_mini_dataset(str(out), params(seed=0, **SMALL))


def load_json(path):
    with open(path) as f:
        return json.load(f)


def read_bytes(path):
    with open(path, 'rb') as f:
        return f.read()


def all_files(result):
    out = Path(result['out_dir'])
    return sorted(p.relative_to(out) for p in out.rglob('*') if p.is_file())


def coco_of(result, split='train'):
    return load_json(result[split]['ann_file'])


def annotations(result):
    return [a for split in ('train', 'val', 'tune')
            for a in coco_of(result, split)['annotations']]


# --- layout and determinism ------------------------------------------------


def test_layout_meta_and_return_value(made):
    out = Path(made['out_dir'])
    for split, n in (('train', 40), ('val', 10), ('tune', 10)):
        coco = coco_of(made, split)
        assert made[split]['ann_file'] == str(
            out / 'annotations' / f'instances_{split}.json')
        assert made[split]['data_prefix'] == f'{split}/'
        assert sorted(p.name for p in (out / split).iterdir()) == sorted(
            img['file_name'] for img in coco['images'])
        assert len(coco['images']) == n
        assert made[split]['stats']['instances'] == len(coco['annotations'])
        assert [c['name'] for c in coco['categories']] == list(
            mini.DEFAULT_CLASSES)
    meta = load_json(out / 'meta.json')
    assert meta['classes'] == list(mini.DEFAULT_CLASSES) == made['classes']
    assert (meta['seed'], meta['img_size'], meta['num_train'],
            meta['num_val'], meta['num_tune']) == (0, 128, 40, 10, 10)
    assert meta['splits']['val']['instances'] == len(
        coco_of(made, 'val')['annotations'])
    assert len(mini.DEFAULT_CLASSES) == 6


def test_same_seed_gives_identical_files(made, tmp_path):
    again = mini.make_mini_dataset(str(tmp_path), params(seed=0, **SMALL))
    files = all_files(made)
    assert files == all_files(again)
    assert len(files) == 40 + 10 + 10 + 4  # images, 3 annotation files, meta
    for rel in files:
        assert read_bytes(Path(made['out_dir'], rel)) == read_bytes(
            tmp_path / rel), rel


def test_other_seed_gives_other_data(made, tmp_path):
    other = mini.make_mini_dataset(str(tmp_path), params(seed=1, **SMALL))
    for split in ('train', 'val'):
        assert coco_of(made, split)['annotations'] != coco_of(
            other, split)['annotations']
    name = coco_of(made)['images'][0]['file_name']
    a = cv2.imread(osp.join(made['train']['img_dir'], name))
    b = cv2.imread(osp.join(other['train']['img_dir'], name))
    assert a.shape == b.shape and np.abs(a.astype(int) - b).mean() > 10


def test_stored_png_is_generate_image_of_its_own_seed(made):
    # image i of split s is drawn by default_rng([seed, s, i]); PNG is lossless
    # (images with annotations were not among those forced to be empty)
    coco = coco_of(made, 'val')
    with_objects = sorted({a['image_id'] for a in coco['annotations']})
    for img_id in with_objects[:3]:
        img, inst, _ = mini.generate_image(
            np.random.default_rng([0, 1, img_id - 1]), params(img_size=128))
        info = coco['images'][img_id - 1]
        assert info['id'] == img_id
        stored = cv2.imread(osp.join(made['val']['img_dir'],
                                     info['file_name']))
        assert np.array_equal(img, stored)
        boxes = [a['bbox'] for a in coco['annotations']
                 if a['image_id'] == img_id]
        assert boxes == [d['bbox'] for d in inst]


# --- COCO validity -----------------------------------------------------------


@pytest.mark.parametrize('split', ['train', 'val'])
def test_coco_json_is_well_formed(made, split):
    coco = coco_of(made, split)
    images = {img['id']: img for img in coco['images']}
    assert sorted(images) == list(range(1, len(images) + 1))
    assert [a['id'] for a in coco['annotations']] == list(
        range(1, len(coco['annotations']) + 1))
    cat_ids = {c['id'] for c in coco['categories']}
    for img in coco['images']:
        stored = cv2.imread(osp.join(made[split]['img_dir'], img['file_name']))
        assert stored.shape == (img['height'], img['width'], 3) == (128, 128,
                                                                   3)
    for a in coco['annotations']:
        img = images[a['image_id']]
        x, y, w, h = a['bbox']
        assert all(isinstance(v, int) for v in a['bbox'])
        assert w >= 1 and h >= 1
        assert x >= 0 and y >= 0
        assert x + w <= img['width'] and y + h <= img['height']
        assert a['area'] == w * h
        assert a['iscrowd'] == 0
        assert a['category_id'] in cat_ids
    per_image = Counter(a['image_id'] for a in coco['annotations'])
    empty = [i for i in images if i not in per_image]
    assert 1 <= len(empty) <= max(2, len(images) // 10)
    assert max(per_image.values()) <= 8


def test_gt_as_predictions_scores_map_one_in_every_size_bucket(made):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(made['train']['ann_file'])
        dets = [
            dict(image_id=a['image_id'], category_id=a['category_id'],
                 bbox=a['bbox'], score=1.0) for a in gt.dataset['annotations']
        ]
        ev = COCOeval(gt, gt.loadRes(dets), 'bbox')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    # mAP, AP50, AP75, AP_small, AP_medium, AP_large (-1 = no objects)
    assert ev.stats[:6].tolist() == [1.0] * 6


def test_mmdet_coco_dataset_loads_it(made):
    from mmdet.datasets import CocoDataset
    from mmdet.utils import register_all_modules
    register_all_modules()
    coco = coco_of(made, 'train')
    kwargs = dict(
        data_root=made['out_dir'],
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        metainfo=dict(classes=tuple(made['classes'])),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations', with_bbox=True)
        ])
    ds = CocoDataset(**kwargs)
    assert len(ds) == len(coco['images'])
    n_inst = sum(len(ds.get_data_info(i)['instances']) for i in range(len(ds)))
    assert n_inst == len(coco['annotations'])

    by_image = {}
    for a in coco['annotations']:
        x, y, w, h = a['bbox']
        by_image.setdefault(a['image_id'], []).append(
            ([x, y, x + w, y + h], a['category_id'] - 1))
    for i in (0, 1, 2):
        item = ds[i]
        assert item['img'].shape == (128, 128, 3)
        expected = by_image.get(item['img_id'], [])
        assert item['gt_bboxes'].tensor.tolist() == [b for b, _ in expected]
        assert item['gt_bboxes_labels'].tolist() == [c for _, c in expected]
        assert not item['gt_ignore_flags'].any()

    # the default training filter drops exactly the empty images
    filtered = CocoDataset(
        filter_cfg=dict(filter_empty_gt=True, min_size=1), **kwargs)
    assert len(filtered) == len({a['image_id'] for a in coco['annotations']})


# --- content -----------------------------------------------------------------


def test_all_coco_size_buckets_roughly_50_45_5(made):
    buckets = Counter(
        mini.coco_size_bucket(a['area']) for a in annotations(made))
    total = sum(buckets.values())
    assert total > 150
    frac = {b: buckets[b] / total for b in ('small', 'medium', 'large')}
    assert abs(frac['small'] - 0.5) < 0.1, frac
    assert abs(frac['medium'] - 0.45) < 0.1, frac
    assert 0 < frac['large'] < 0.1, frac


def test_tune_split_is_its_own_images(made):
    val = cv2.imread(osp.join(made['out_dir'], 'val', '000001.png'))
    tune = cv2.imread(osp.join(made['out_dir'], 'tune', '000001.png'))
    assert val.shape == tune.shape and np.abs(
        val.astype(int) - tune).mean() > 10


def foreground_fraction_by_loops(coco: dict, stride: int) -> float:
    """The slow, obvious reference: every cell of every image, every box."""
    fractions = []
    for img in coco['images']:
        boxes = [a['bbox'] for a in coco['annotations']
                 if a['image_id'] == img['id']]
        rows, cols = -(-img['height'] // stride), -(-img['width'] // stride)
        inside = 0
        for row in range(rows):
            for col in range(cols):
                cx, cy = (col + 0.5) * stride, (row + 0.5) * stride
                inside += any(x <= cx <= x + w and y <= cy <= y + h
                              for x, y, w, h in boxes)
        fractions.append(inside / (rows * cols))
    return sum(fractions) / len(fractions)


@pytest.mark.parametrize('split', ['train', 'val'])
def test_foreground_fraction_equals_a_loop_reference(made, split):
    coco = coco_of(made, split)
    for stride in (8, 32):
        assert mini.foreground_fraction(coco, stride) == pytest.approx(
            foreground_fraction_by_loops(coco, stride), abs=1e-12)
    recorded = load_json(osp.join(made['out_dir'], 'meta.json'))
    assert recorded['splits'][split]['foreground_fraction'] == round(
        foreground_fraction_by_loops(coco, 8), 4)


def test_foreground_fraction_of_hand_made_boxes():
    # 16x16 image, stride 8: 4 cells centred at 4 and 12; one box covers
    # the top-left centre only, the empty image none.
    coco = dict(images=[dict(id=1, height=16, width=16),
                        dict(id=2, height=16, width=16)],
                annotations=[dict(image_id=1, bbox=[0, 0, 6, 6])])
    assert mini.foreground_fraction(coco, 8) == (1 / 4 + 0) / 2


def test_background_is_the_majority_with_the_defaults():
    # What the benchmark needs: at most 0.35 of the stride-8 cells inside a
    # box (the former defaults gave about 0.5).
    defaults = MiniDatasetParams()
    images, annotations_ = [], []
    for index in range(96):
        rng = np.random.default_rng([defaults.seed, 0, index])
        image, instances, _ = mini.generate_image(rng, defaults)
        images.append(dict(id=index, height=image.shape[0],
                           width=image.shape[1]))
        annotations_ += [dict(image_id=index, bbox=i['bbox'])
                         for i in instances]
    fraction = mini.foreground_fraction(
        dict(images=images, annotations=annotations_), 8)
    assert 0.15 < fraction <= 0.35


def test_classes_roughly_balanced(made):
    counts = Counter(a['category_id'] for a in annotations(made))
    assert sorted(counts) == [1, 2, 3, 4, 5, 6]
    mean = sum(counts.values()) / 6
    assert all(0.7 * mean <= c <= 1.3 * mean for c in counts.values()), counts


def test_boxes_tight_around_visible_pixels_and_occlusion_happens():
    n_occluded = n_instances = 0
    for i in range(40):
        img, inst, owner = mini.generate_image(
            np.random.default_rng([7, 0, i]), params(img_size=128))
        assert img.shape == (128, 128, 3) and img.dtype == np.uint8
        kept = {d['index'] for d in inst}
        assert set(np.unique(owner)) <= kept | {-1}
        for d in inst:
            mask = (owner == d['index']).astype(np.uint8)
            assert list(cv2.boundingRect(mask)) == d['bbox']
            assert d['visibility'] >= 0.3
            n_occluded += d['visibility'] < 0.9
        n_instances += len(inst)
    assert n_occluded >= 0.05 * n_instances


def test_overlapping_boxes_exist(made):
    coco = coco_of(made)
    by_image = {}
    for a in coco['annotations']:
        by_image.setdefault(a['image_id'], []).append(a['bbox'])

    def overlap(a, b):
        return (min(a[0] + a[2], b[0] + b[2]) > max(a[0], b[0])
                and min(a[1] + a[3], b[1] + b[3]) > max(a[1], b[1]))

    pairs = sum(
        overlap(a, b) for boxes in by_image.values()
        for a, b in itertools.combinations(boxes, 2))
    assert pairs >= 10


def test_colour_carries_no_class_information():
    colours = {}
    for i in range(60):
        _, inst, _ = mini.generate_image(
            np.random.default_rng([3, 0, i]), params(img_size=128))
        for d in inst:
            colours.setdefault(d['label'], []).append(d['colour'])
    n_palette = len(mini.PALETTE)
    assert len(colours) == 6
    for label, used in colours.items():
        counts = Counter(used)
        # every class is drawn in most palette colours, none dominates
        assert len(counts) >= n_palette // 2, (label, counts)
        assert max(counts.values()) <= 0.3 * len(used), (label, counts)


# --- argument checks ------------------------------------------------------


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match='classes'):
        params(num_train=2, num_val=2, classes=['hexagon'])
    with pytest.raises(ValueError, match='too small for large'):
        params(num_train=2, num_val=2, img_size=96)
    assert not any(tmp_path.iterdir())  # refused before writing anything


def test_class_subset(tmp_path):
    result = mini.make_mini_dataset(
        str(tmp_path), params(num_train=8, num_val=2, img_size=96,
                              classes=['ring', 'circle'], size_probs=(1, 1, 0)))
    coco = coco_of(result)
    assert [c['name'] for c in coco['categories']] == ['ring', 'circle']
    assert {a['category_id'] for a in coco['annotations']} == {1, 2}


def test_params_are_converted_to_their_field_types():
    made = MiniDatasetParams(classes=['ring'], size_probs=[1, 0, 0],
                             min_side=12)
    assert made.classes == ('ring', )
    assert made.size_probs == (1.0, 0.0, 0.0)
    assert isinstance(made.min_side, float)
    assert made == MiniDatasetParams(classes=('ring', ),
                                     size_probs=(1.0, 0.0, 0.0),
                                     min_side=12.0)
    # meta.json records what generate_image reads, in field order
    assert list(MiniDatasetParams().image_params()) == [
        'img_size', 'max_objects', 'min_objects', 'size_probs', 'min_side',
        'max_side_frac', 'max_clutter', 'min_visibility', 'truncate_prob'
    ]
