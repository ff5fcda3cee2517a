"""Backbone pre-training on the mini data: what ImageNet is to COCO.

On COCO every detector starts from an ImageNet-pretrained backbone; from
scratch, feature distillation acts as a generic dense auxiliary loss and
favours uniform losses over selective ones. The mini setting therefore
pre-trains each backbone once, on a task that needs no download:
classifying object crops (the six shapes, plus ``background``) cut from
images the generator draws with their own seed (``PretrainSettings.seed``),
never from a detection split.

The weights are cached under a content key (backbone config, input
normalisation, dataset and pre-training settings, code version): a second
call with the same inputs trains nothing. The checkpoint is an mmengine
checkpoint of the backbone alone, so a detector config starts from it with
``backbone.init_cfg=dict(type='Pretrained', checkpoint=...)``.
"""
import copy
import hashlib
import json
import os
import os.path as osp
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from typing import Callable, Dict, Iterator, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hgd_mm.engine.precision import resolve_precision
from .compose import generate_image
from .params import MiniDatasetParams

__all__ = [
    'PretrainSettings', 'object_crops', 'BackboneClassifier',
    'pretrain_backbone', 'ensure_pretrained', 'pretrain_key',
    'PRETRAIN_THREADS', 'torch_threads'
]

#: Bumped when the pre-training procedure changes (it is part of the key).
PRETRAIN_VERSION = 1
#: Intra-op threads of every pre-training (and of the benchmarks' teachers,
#: ``runs.SHARED_THREADS``): the same inputs at another count give other
#: weights. 2: what a 2-core machine's default gave the cached weights.
PRETRAIN_THREADS = 2


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """torch's intra-op thread count set to ``count`` for a while."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


META_KEY = 'hgd_mm_pretrain'


@dataclass(frozen=True)
class PretrainSettings:
    """How a backbone is pre-trained.

    Args:
        num_images: generator images the training crops are cut from (each
            gives its objects and one background crop).
        num_val_images: images of the held-out crops (accuracy is reported
            on them).
        seed: the generator seed of those images; the detection splits use
            ``MiniDatasetParams.seed`` (0), so no detection image is seen.
        crop_size: side of the square crops fed to the backbone.
        epochs: passes over the training crops.
        batch_size: crops per step.
        lr: AdamW's peak learning rate (one-cycle schedule).
        weight_decay: AdamW's weight decay.
    """
    num_images: int = 2000
    num_val_images: int = 300
    seed: int = 100
    crop_size: int = 48
    epochs: int = 8
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.05


def object_crops(params: MiniDatasetParams, settings: PretrainSettings,
                 split_code: int,
                 num_images: int) -> Tuple[np.ndarray, np.ndarray]:
    """Square crops (BGR uint8, ``N x S x S x 3``) and their labels.

    Each object gives one crop centred on its box (jittered by up to 15 %
    of the side), 1.2-2x the box's longer side, so it keeps some context;
    each image gives one crop of bare background (label ``len(classes)``)
    when one with under 5 % object pixels is found at a random place.

    Args:
        params: the generator's parameters (the detection data's).
        settings: the pre-training settings (seed, crop size).
        split_code: 0 for training crops, 1 for held-out crops.
        num_images: generator images to cut from.
    """
    size = settings.crop_size
    background = len(params.classes)
    crops, labels = [], []
    for index in range(num_images):
        rng = np.random.default_rng([settings.seed, split_code, index])
        image, instances, owner = generate_image(rng, params)
        height = image.shape[0]
        for inst in instances:
            x, y, w, h = inst['bbox']
            side = max(w, h) * rng.uniform(1.2, 2.0)
            cx = x + w / 2 + rng.uniform(-0.15, 0.15) * side
            cy = y + h / 2 + rng.uniform(-0.15, 0.15) * side
            crops.append(square_crop(image, cx, cy, side, size))
            labels.append(inst['label'])
        side = int(rng.uniform(20, 80))
        x0, y0 = rng.integers(0, height - side, size=2)
        if (owner[y0:y0 + side, x0:x0 + side] >= 0).mean() < 0.05:
            crops.append(
                square_crop(image, x0 + side / 2, y0 + side / 2, side, size))
            labels.append(background)
    return np.stack(crops), np.array(labels, np.int64)


def square_crop(image: np.ndarray, cx: float, cy: float, side: float,
                size: int) -> np.ndarray:
    """The ``side``-pixel square centred at (cx, cy), reflected at the
    border, resized to ``size``."""
    side = max(int(round(side)), 4)
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    padded = cv2.copyMakeBorder(image, side, side, side, side,
                                cv2.BORDER_REFLECT)
    crop = padded[y0 + side:y0 + 2 * side, x0 + side:x0 + 2 * side]
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)


class BackboneClassifier(nn.Module):
    """A detection backbone with global average pooling of its last output
    and a linear classifier: the ImageNet recipe in small.

    Args:
        backbone: an mmdet backbone config (its ``init_cfg`` is ignored).
        num_classes: classifier outputs.
    """

    def __init__(self, backbone: dict, num_classes: int) -> None:
        super().__init__()
        from mmdet.registry import MODELS
        cfg = copy.deepcopy(dict(backbone))
        cfg['init_cfg'] = None
        # mmdet's scope whatever the default scope left by the caller
        with MODELS.switch_scope_and_registry('mmdet') as registry:
            self.backbone = registry.build(cfg)
        self.backbone.init_weights()
        with torch.no_grad():
            channels = self.backbone(torch.zeros(1, 3, 64, 64))[-1].shape[1]
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.backbone(inputs)[-1].mean((2, 3)))


def normalise(crops: np.ndarray, normalisation: dict) -> torch.Tensor:
    """Crops as the detector's data preprocessor would give them: ``N x 3 x
    S x S`` float, channels swapped when ``bgr_to_rgb``, mean/std applied."""
    if normalisation.get('bgr_to_rgb', False):
        crops = crops[..., ::-1]
    inputs = torch.from_numpy(np.ascontiguousarray(crops)).permute(
        0, 3, 1, 2).float()
    mean = torch.tensor(normalisation['mean'], dtype=torch.float32)
    std = torch.tensor(normalisation['std'], dtype=torch.float32)
    return (inputs - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)


def pretrain_key(backbone: dict, normalisation: dict,
                 params: MiniDatasetParams,
                 settings: PretrainSettings) -> str:
    """The cache key: a sha256 over everything the weights depend on."""
    cfg = {k: v for k, v in dict(backbone).items() if k != 'init_cfg'}
    content = dict(
        version=PRETRAIN_VERSION, backbone=cfg, normalisation=normalisation,
        params=params.image_params(), classes=list(params.classes),
        settings=asdict(settings), torch=torch.__version__.split('+')[0])
    text = json.dumps(content, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def accuracy(model: nn.Module, inputs: torch.Tensor,
             labels: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([
            model(inputs[i:i + 256]).argmax(1)
            for i in range(0, len(inputs), 256)
        ])
    return float((predicted == labels).float().mean())


def train_epochs(model: nn.Module, optimizer, scheduler,
                 generator: torch.Generator, inputs: torch.Tensor,
                 labels: torch.Tensor, val_inputs: torch.Tensor,
                 val_labels: torch.Tensor, settings: 'PretrainSettings',
                 bf16: bool, train_start: float,
                 log: Callable[[str], None]) -> None:
    """The epochs of :func:`pretrain_backbone` (at the threads it sets)."""
    steps_per_epoch = max(1, len(inputs) // settings.batch_size)
    for epoch in range(settings.epochs):
        model.train()
        order = torch.randperm(len(inputs), generator=generator)
        for step in range(steps_per_epoch):
            batch = order[step * settings.batch_size:(step + 1) *
                          settings.batch_size]
            flip = torch.rand(len(batch), generator=generator) < 0.5
            crops = torch.where(flip.view(-1, 1, 1, 1), inputs[batch].flip(3),
                                inputs[batch])
            with torch.autocast('cpu', dtype=torch.bfloat16,
                                enabled=bf16):
                logits = model(crops)
            loss = F.cross_entropy(logits.float(), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
        eta = ((time.time() - train_start) / (epoch + 1) *
               (settings.epochs - epoch - 1))
        log(f'[pretrain] epoch {epoch + 1}/{settings.epochs}: held-out '
            f'accuracy {accuracy(model, val_inputs, val_labels):.3f}, '
            f'ETA {eta:.0f} s')


def pretrain_backbone(backbone: dict,
                      normalisation: dict,
                      out_file: str,
                      params: Optional[MiniDatasetParams] = None,
                      settings: Optional[PretrainSettings] = None,
                      log: Callable[[str], None] = print) -> dict:
    """Pre-train ``backbone`` on object crops and save it to ``out_file``.

    Returns the record stored in the checkpoint's ``meta`` (key, held-out
    accuracy, seconds, settings).

    Args:
        backbone: an mmdet backbone config.
        normalisation: the detector's ``mean``, ``std`` and ``bgr_to_rgb``.
        out_file: where the backbone's mmengine checkpoint is written.
        params: the generator's parameters; the defaults when None.
        settings: the pre-training settings; the defaults when None.
        log: where progress lines go.
    """
    params = params or MiniDatasetParams()
    settings = settings or PretrainSettings()
    start = time.time()
    torch.manual_seed(settings.seed)
    train_crops, train_labels = object_crops(params, settings, 0,
                                             settings.num_images)
    val_crops, val_labels = object_crops(params, settings, 1,
                                         settings.num_val_images)
    inputs = normalise(train_crops, normalisation)
    labels = torch.from_numpy(train_labels)
    val_inputs = normalise(val_crops, normalisation)
    val_labels = torch.from_numpy(val_labels)
    model = BackboneClassifier(backbone, len(params.classes) + 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr,
                                  weight_decay=settings.weight_decay)
    steps_per_epoch = max(1, len(inputs) // settings.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, settings.lr, total_steps=settings.epochs * steps_per_epoch,
        pct_start=0.1)
    generator = torch.Generator().manual_seed(settings.seed)
    bf16 = resolve_precision() == 'bf16'  # bf16 only where faster
    log(f'[pretrain] {len(inputs)} training crops, {len(val_inputs)} '
        f'held out, {settings.epochs} epochs, {"bf16" if bf16 else "fp32"}')
    train_start = time.time()
    with torch_threads(PRETRAIN_THREADS):
        train_epochs(model, optimizer, scheduler, generator, inputs, labels,
                     val_inputs, val_labels, settings, bf16, train_start,
                     log)
    record = dict(
        key=pretrain_key(backbone, normalisation, params, settings),
        val_accuracy=accuracy(model, val_inputs, val_labels),
        num_classes=len(params.classes) + 1,
        train_crops=len(inputs),
        seconds=time.time() - start,
        settings=asdict(settings))
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    temporary = out_file + '.tmp'
    torch.save(dict(state_dict=model.backbone.state_dict(),
                    meta={META_KEY: record}), temporary)
    os.replace(temporary, out_file)
    return record


def cached_record(out_file: str) -> Optional[dict]:
    """The pre-training record of an existing checkpoint, if it has one."""
    if not osp.exists(out_file):
        return None
    try:
        checkpoint = torch.load(out_file, map_location='cpu',
                                weights_only=True)
    except Exception:  # unreadable: made again
        return None
    return checkpoint.get('meta', {}).get(META_KEY)


def ensure_pretrained(backbone: dict,
                      normalisation: dict,
                      out_file: str,
                      params: Optional[MiniDatasetParams] = None,
                      settings: Optional[PretrainSettings] = None,
                      log: Callable[[str], None] = print) -> dict:
    """:func:`pretrain_backbone` unless ``out_file`` holds weights made from
    the same inputs (same :func:`pretrain_key`); returns the record, with
    ``reused`` saying which."""
    params = params or MiniDatasetParams()
    settings = settings or PretrainSettings()
    key = pretrain_key(backbone, normalisation, params, settings)
    record = cached_record(out_file)
    if record is not None and record.get('key') == key:
        log(f'[pretrain] reusing {out_file} (held-out accuracy '
            f'{record["val_accuracy"]:.3f})')
        return dict(record, reused=True)
    from .reference import restore
    entry = restore(key, out_file)
    if entry is not None:
        log(f'[pretrain] restored {out_file} from the reference weights '
            f'({entry["file"]}, held-out accuracy '
            f'{entry["record"]["val_accuracy"]:.3f})')
        return dict(entry['record'], reused=True)
    log(f'[pretrain] training {out_file} (no reference weights for it: '
        f'save it with python tools/misc/save_mini_reference.py '
        f'--pretrained {out_file} where runs start from it)')
    return dict(pretrain_backbone(backbone, normalisation, out_file, params,
                                  settings, log), reused=False)


def detector_pretraining(model: dict) -> Tuple[dict, dict, str]:
    """(backbone config, input normalisation, checkpoint path) of a detector
    config whose backbone starts from a ``Pretrained`` checkpoint.

    Args:
        model: a detector's ``model`` config.
    """
    backbone = model['backbone']
    init_cfg = backbone.get('init_cfg') or {}
    if init_cfg.get('type') != 'Pretrained' or not init_cfg.get('checkpoint'):
        raise ValueError(
            f'the backbone ({backbone.get("type")}) has '
            f'init_cfg={init_cfg!r}: '
            f'pre-training writes the file a '
            f"dict(type='Pretrained', checkpoint=...) init_cfg names.")
    preprocessor = model.get('data_preprocessor') or {}
    normalisation = dict(
        mean=list(preprocessor.get('mean', [0.0, 0.0, 0.0])),
        std=list(preprocessor.get('std', [1.0, 1.0, 1.0])),
        bgr_to_rgb=bool(preprocessor.get('bgr_to_rgb', False)))
    return dict(backbone), normalisation, init_cfg['checkpoint']


def config_settings(cfg) -> PretrainSettings:
    """How a config's backbone is pre-trained: the defaults, with the fields
    its ``mini_pretrain`` dict sets (``make demo``'s configs pre-train for
    fewer epochs, into checkpoints of their own).

    Args:
        cfg: the detector's mmengine config.
    """
    overrides = dict(cfg.get('mini_pretrain', None) or {})
    unknown = set(overrides) - {spec.name for spec in fields(PretrainSettings)}
    if unknown:
        raise ValueError(
            f'mini_pretrain sets {sorted(unknown)}, which PretrainSettings '
            f'does not have; use its fields: '
            f'{[spec.name for spec in fields(PretrainSettings)]}.')
    return PretrainSettings(**overrides)


def pretrain_configs(configs: Sequence[str],
                     params: Optional[MiniDatasetParams] = None,
                     settings: Optional[PretrainSettings] = None,
                     log: Callable[[str], None] = print,
                     make: bool = True) -> Dict[str, dict]:
    """:func:`ensure_pretrained` for the backbone of each detector config;
    returns the records by checkpoint path (a backbone shared by configs
    is made once).

    Args:
        configs: detector config files.
        params: the generator's parameters; the defaults when None.
        settings: the pre-training settings of every config; when None, each
            config's own (:func:`config_settings`).
        log: where progress lines go.
        make: False: only each backbone's cache key (``{'key': ...}``),
            nothing trained or read (a cached teacher needs its backbone's
            key, not its weights).
    """
    from mmengine.config import Config
    params = params or MiniDatasetParams()
    records: Dict[str, dict] = {}
    for path in configs:
        cfg = Config.fromfile(path)
        backbone, normalisation, out_file = detector_pretraining(cfg.model)
        if out_file in records:
            continue
        own = settings or config_settings(cfg)
        records[out_file] = (
            ensure_pretrained(backbone, normalisation, out_file, params, own,
                              log) if make else
            dict(key=pretrain_key(backbone, normalisation, params, own)))
    return records
