"""One split of the mini dataset: its images and its COCO annotation file.

Image ``i`` of a split is drawn by its own generator,
``np.random.default_rng([seed, split_code, i])``: nothing touches global
random state, and image ``i`` does not depend on how many images are made
(only the choice of which images are left empty is drawn per split).
"""
import json
import os
import os.path as osp
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from .compose import generate_image
from .params import MiniDatasetParams
from .sizes import SIZE_BUCKETS, coco_size_bucket

__all__ = [
    'GENERATOR_VERSION', 'write_split', 'split_stats', 'foreground_fraction'
]

GENERATOR_VERSION = 1


def image_write_params(params: MiniDatasetParams) -> List[int]:
    """``cv2.imwrite`` flags of the chosen image format."""
    if params.img_format == 'png':
        return [cv2.IMWRITE_PNG_COMPRESSION, 1]
    return [cv2.IMWRITE_JPEG_QUALITY, int(params.jpeg_quality)]


def write_split(out_dir: str, split: str, split_code: int, num_images: int,
                params: MiniDatasetParams) -> Tuple[str, str, dict]:
    """Draw and write one split; return its annotation file, image folder
    and :func:`split_stats`.

    Args:
        out_dir: the dataset folder (``annotations/`` must exist).
        split: ``train``, ``val`` or ``tune``: the image folder and file
            names.
        split_code: the split's seed component (0 train, 1 val, 2 tune).
        num_images: images in this split.
        params: the dataset parameters.
    """
    img_dir = osp.join(out_dir, split)
    os.makedirs(img_dir, exist_ok=True)
    n_empty = 0
    if params.empty_frac > 0 and num_images > 1:
        n_empty = max(1, int(round(params.empty_frac * num_images)))
    split_rng = np.random.default_rng([params.seed, split_code, 1 << 30])
    empty = set(split_rng.choice(num_images, n_empty, replace=False).tolist())
    write_flags = image_write_params(params)

    images, annotations = [], []
    for i in range(num_images):
        rng = np.random.default_rng([params.seed, split_code, i])
        image, instances, _ = generate_image(
            rng, params, num_objects=0 if i in empty else None)
        file_name = f'{i + 1:06d}.{params.img_format}'
        if not cv2.imwrite(osp.join(img_dir, file_name), image, write_flags):
            raise IOError(f'could not write {osp.join(img_dir, file_name)}')
        img_id = i + 1
        images.append(
            dict(
                id=img_id,
                file_name=file_name,
                width=int(image.shape[1]),
                height=int(image.shape[0])))
        for inst in instances:
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=img_id,
                    category_id=inst['label'] + 1,
                    bbox=inst['bbox'],
                    area=inst['area'],
                    iscrowd=0))
    coco = dict(
        info=dict(
            description=f'hgd-mm synthetic mini dataset ({split})',
            version=str(GENERATOR_VERSION)),
        licenses=[],
        images=images,
        annotations=annotations,
        categories=[
            dict(id=i + 1, name=name, supercategory='shape')
            for i, name in enumerate(params.classes)
        ])
    ann_file = osp.join(out_dir, 'annotations', f'instances_{split}.json')
    with open(ann_file, 'w') as f:
        json.dump(coco, f, separators=(',', ':'))
    return ann_file, img_dir, split_stats(coco, params.classes)


def foreground_fraction(coco: dict, stride: int = 8) -> float:
    """Mean over images of the fraction of feature-map cells (of the given
    stride) whose centre lies inside a ground-truth box.

    This is how much of a detector's stride-``stride`` map a foreground /
    background mechanism sees as foreground. The images of one split share
    their size.

    Args:
        coco: one split's COCO dict.
        stride: the feature map's stride in pixels (8: FPN's P3).
    """
    images = coco['images']
    if not images:
        return 0.0
    sizes = {(img['height'], img['width']) for img in images}
    if len(sizes) != 1:
        raise ValueError(f'foreground_fraction needs images of one size, got '
                         f'{sorted(sizes)}')
    (height, width), = sizes
    ys = (np.arange(-(-height // stride)) + 0.5) * stride
    xs = (np.arange(-(-width // stride)) + 0.5) * stride
    cy, cx = (grid.ravel() for grid in np.meshgrid(ys, xs, indexing='ij'))
    covered = np.zeros((len(images), cy.size), bool)
    if coco['annotations']:
        row = {img['id']: i for i, img in enumerate(images)}
        rows = np.array([row[a['image_id']] for a in coco['annotations']])
        x, y, w, h = np.array([a['bbox'] for a in coco['annotations']],
                              float).T[:, :, None]
        inside = (cx >= x) & (cx <= x + w) & (cy >= y) & (cy <= y + h)
        np.logical_or.at(covered, rows, inside)
    return float(covered.mean(axis=1).mean())


def split_stats(coco: dict, classes: Sequence[str]) -> dict:
    """Images, instances, empty images, instances per class and per COCO
    size bucket, and :func:`foreground_fraction` of one split's COCO dict."""
    per_class = {name: 0 for name in classes}
    per_bucket = {b: 0 for b in SIZE_BUCKETS}
    for ann in coco['annotations']:
        per_class[classes[ann['category_id'] - 1]] += 1
        per_bucket[coco_size_bucket(ann['area'])] += 1
    with_ann = {ann['image_id'] for ann in coco['annotations']}
    return dict(
        images=len(coco['images']),
        instances=len(coco['annotations']),
        empty_images=len(coco['images']) - len(with_ann),
        per_class=per_class,
        per_bucket=per_bucket,
        foreground_fraction=round(foreground_fraction(coco), 4))
