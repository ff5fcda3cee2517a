"""The whole mini dataset on disk: both splits, ``meta.json`` and a summary.

Output (ready for ``mmdet.datasets.CocoDataset``)::

    OUT_DIR/annotations/instances_train.json   COCO json, bbox = [x, y, w, h]
    OUT_DIR/annotations/instances_val.json     the reported split
    OUT_DIR/annotations/instances_tune.json    the tuning split
    OUT_DIR/train/000001.png ...        (``data_prefix=dict(img='train/')``)
    OUT_DIR/val/000001.png ...
    OUT_DIR/tune/000001.png ...
    OUT_DIR/meta.json                          class names, seed, sizes, stats

The same parameters give byte-identical json and pixel-identical images (PNG
by default, lossless). ``empty_frac`` of the images (at least one per split
when > 0) have no objects; they are still listed in ``images``.
"""
import json
import os
import os.path as osp
import time
from typing import Optional

from .coco_writer import GENERATOR_VERSION, write_split
from .params import MiniDatasetParams
from .sizes import SIZE_BUCKETS

__all__ = ['make_mini_dataset', 'format_summary']

#: The splits and their seed component (their order): ``tune`` has its own
#: random stream, so choosing hyper-parameters on it never looks at ``val``.
SPLITS = ('train', 'val', 'tune')
#: What ``meta.json`` names as its maker (the command users run).
GENERATOR = 'hgd-mm tools/misc/make_mini_dataset.py'


def clear_image_folders(out_dir: str, overwrite: bool) -> None:
    """Refuse to write into non-empty image folders unless ``overwrite``;
    then remove only the generator's own image files there."""
    for split in SPLITS:
        img_dir = osp.join(out_dir, split)
        if osp.isdir(img_dir) and os.listdir(img_dir):
            if not overwrite:
                raise FileExistsError(
                    f'{img_dir} is not empty (pass overwrite=True / '
                    '--overwrite to replace the images there)')
            for name in os.listdir(img_dir):
                if name.endswith(('.png', '.jpg')):
                    os.remove(osp.join(img_dir, name))


def make_mini_dataset(out_dir: str,
                      params: Optional[MiniDatasetParams] = None,
                      overwrite: bool = False,
                      verbose: bool = False) -> dict:
    """Write the dataset to ``out_dir`` and return paths and statistics.

    Returns a dict with ``out_dir``, ``classes``, ``meta_file``, per split
    (``train``/``val``/``tune``) a dict with ``ann_file``, ``img_dir``, ``data_prefix``
    (relative, for mmdet) and ``stats`` (``images``, ``instances``,
    ``empty_images``, ``per_class``, ``per_bucket``,
    ``foreground_fraction``), and ``seconds``.

    Args:
        out_dir: the dataset folder (created if missing).
        params: what to make; :class:`MiniDatasetParams` defaults when None.
        overwrite: replace the images of an earlier run. Without it, an
            image folder that holds files raises ``FileExistsError``; with
            it, only the ``*.png``/``*.jpg`` files there are removed first.
        verbose: print :func:`format_summary` at the end.
    """
    start = time.perf_counter()
    params = params or MiniDatasetParams()
    clear_image_folders(out_dir, overwrite)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)

    result = dict(out_dir=out_dir, classes=list(params.classes))
    meta = dict(
        generator=GENERATOR,
        generator_version=GENERATOR_VERSION,
        classes=list(params.classes),
        seed=params.seed,
        img_size=params.img_size,
        num_train=params.num_train,
        num_val=params.num_val,
        num_tune=params.num_tune,
        img_format=params.img_format,
        jpeg_quality=params.jpeg_quality
        if params.img_format == 'jpg' else None,
        empty_frac=params.empty_frac,
        side_ranges={b: [round(v, 3) for v in r]
                     for b, r in params.side_ranges().items()},
        params=params.image_params(),
        splits={})
    sizes = (params.num_train, params.num_val, params.num_tune)
    for code, (split, num_images) in enumerate(zip(SPLITS, sizes)):
        ann_file, img_dir, stats = write_split(out_dir, split, code,
                                               num_images, params)
        result[split] = dict(
            ann_file=ann_file,
            img_dir=img_dir,
            data_prefix=f'{split}/',
            stats=stats)
        meta['splits'][split] = dict(
            ann_file=f'annotations/instances_{split}.json',
            img_dir=f'{split}/',
            **stats)
    meta_file = osp.join(out_dir, 'meta.json')
    with open(meta_file, 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    result['meta_file'] = meta_file
    result['seconds'] = time.perf_counter() - start
    if verbose:
        print(format_summary(result))
    return result


def format_summary(result: dict) -> str:
    """A short text table: images, instances per class and per size bucket.

    Args:
        result: what :func:`make_mini_dataset` returned.
    """
    classes = result['classes']
    width = max(len(c) for c in classes + list(SIZE_BUCKETS)) + 2
    lines = [f"mini dataset in {result['out_dir']} "
             f"({result['seconds']:.1f} s)"]
    header = ' ' * width + ''.join(f'{s:>14}' for s in SPLITS)
    lines.append(header)

    def row(name, key, sub=None):
        cells = []
        for split in SPLITS:
            st = result[split]['stats']
            value = st[key] if sub is None else st[key][sub]
            if sub is not None and st['instances']:
                pct = 100 * value / st['instances']
                cells.append(f'{value:>6} ({pct:4.1f}%)')
            else:
                cells.append(f'{value:>14}')
        return f'{name:<{width}}' + ''.join(f'{c:>14}' for c in cells)

    lines.append(row('images', 'images'))
    lines.append(row('empty', 'empty_images'))
    lines.append(row('instances', 'instances'))
    lines.append('per class:')
    lines += [row('  ' + c, 'per_class', c) for c in classes]
    lines.append('per COCO size bucket:')
    lines += [row('  ' + b, 'per_bucket', b) for b in SIZE_BUCKETS]
    lines.append(f'{"foreground":<{width}}' + ''.join(
        f"{result[split]['stats']['foreground_fraction']:>14.3f}"
        for split in SPLITS) + '  (of stride-8 cells, mean per image)')
    return '\n'.join(lines)
