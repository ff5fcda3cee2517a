"""One picture per HGD stage pair: the input with its boxes, the micro
weights, both attention maps and the imitation error (``visualize``)."""
import os
import os.path as osp
import warnings
from typing import List, Optional

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DATASETS, MODELS, init_default_scope
from mmengine.runner import load_checkpoint

from ..models import HGDDistiller
from ..models.distillers.batch_inputs import gt_boxes_of
from .stage_maps import stage_maps

__all__ = [
    'load_config', 'build_model', 'hgd_distiller_of', 'load_item',
    'display_image', 'draw_stage', 'visualize'
]

PANELS = ('image + GT boxes', 'micro weights W', 'teacher mean_c T^2',
          'student mean_c S^2', 'imitation error mean_c (S^-T^)^2')

# --- model -------------------------------------------------------------------


def load_config(path: str, teacher_ckpt: Optional[str],
                checkpoint: Optional[str]) -> Config:
    """The config, with the teacher checkpoint resolved."""
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if 'teacher' not in cfg.model:
        raise ValueError(
            f'{path} is not a distillation config (its model has no '
            f'`teacher`): give an HGD config such as '
            f'configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.')
    if teacher_ckpt is not None:
        no_teacher = teacher_ckpt.lower() in ('', 'none')
        cfg.model.teacher_ckpt = None if no_teacher else teacher_ckpt
    elif checkpoint:
        # The distillation checkpoint holds the teacher's weights too.
        cfg.model.teacher_ckpt = None
    teacher = cfg.model.get('teacher_ckpt')
    if teacher and not osp.exists(teacher):
        raise FileNotFoundError(
            f'teacher checkpoint {teacher} (model.teacher_ckpt of {path}) '
            f'does not exist: pass --teacher-ckpt CKPT or --checkpoint of a '
            f'distillation run.')
    if not teacher and not checkpoint:
        warnings.warn('no --checkpoint and no teacher checkpoint: teacher and '
                      'student are randomly initialised.')
    return cfg


def hgd_distiller_of(model: torch.nn.Module) -> HGDDistiller:
    distiller = getattr(model, 'distiller', None)
    if not isinstance(distiller, HGDDistiller):
        raise TypeError(
            f'the model ({type(model).__name__}) has distiller '
            f'{type(distiller).__name__}, not HGDDistiller: this tool '
            f"pictures HGD; use a config with distiller=dict(type="
            f"'HGDDistiller').")
    return distiller


def build_model(cfg: Config, checkpoint: Optional[str]) -> torch.nn.Module:
    """The distillation algorithm, checkpoint loaded, in eval mode."""
    model = MODELS.build(cfg.model)
    model.init_weights()
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    hgd_distiller_of(model)
    model.eval()  # SingleTeacherDistill.train() returns None, not self
    return model


# --- data --------------------------------------------------------------------


def find_in_dataset(dataset, image: str) -> Optional[int]:
    """Index of the dataset item whose file is ``image``, else None."""
    # By real path: train/000001.png and val/000001.png share a name.
    wanted = osp.realpath(image)
    for index in range(len(dataset)):
        if osp.realpath(dataset.get_data_info(index)['img_path']) == wanted:
            return index
    return None


def load_item(cfg: Config, image: Optional[str], index: int) -> dict:
    """One packed item (inputs, data_samples) through the val pipeline; an
    image outside the val set gets no boxes (all background)."""
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    if image is not None:
        if not osp.exists(image):
            raise FileNotFoundError(f'--image {image} does not exist.')
        found = find_in_dataset(dataset, image)
        if found is None:
            # The detector's loss needs its ground-truth fields: empty ones.
            pipeline = Compose(cfg.val_dataloader.dataset.pipeline)
            return pipeline(dict(img_path=image, img_id=0, instances=[]))
        index = found
    if not 0 <= index < len(dataset):
        raise IndexError(f'--index {index}: the val set has {len(dataset)} '
                         f'images (0..{len(dataset) - 1}).')
    return dataset[index]


def display_image(item: dict, input_size) -> np.ndarray:
    """The item's image as the val pipeline made it (mmcv loads BGR), as
    uint8 RGB H x W x 3 on the batch's padded canvas (padding bottom-right,
    as mmdet's data preprocessor pads), so boxes and maps line up."""
    image = item['inputs'].flip(0).permute(1, 2, 0).clamp(0, 255).byte()
    image = image.cpu().numpy()
    canvas = np.zeros((*input_size, 3), dtype=np.uint8)
    canvas[:image.shape[0], :image.shape[1]] = image
    return canvas


# --- drawing -----------------------------------------------------------------


def draw_boxes(axis, boxes: torch.Tensor, color: str = 'lime') -> None:
    for x1, y1, x2, y2 in boxes.tolist():
        axis.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                                 edgecolor=color, linewidth=1))


def draw_stage(path: str, image: np.ndarray, boxes: torch.Tensor,
               stage: dict) -> None:
    """One row of five panels for one stage pair (see ``stage_maps``)."""
    height, width = image.shape[:2]
    extent = (0, width, height, 0)  # the stage grid spans the padded input
    # A Figure without pyplot: no global backend, no display needed.
    figure = Figure(figsize=(20, 4.4))
    axes = figure.subplots(1, 5)
    axes[0].imshow(image)
    draw_boxes(axes[0], boxes)
    for axis, key, cmap in zip(axes[1:], ('weights', 'teacher_attention',
                                          'student_attention', 'error'),
                               ('viridis', 'magma', 'magma', 'inferno')):
        shown = axis.imshow(stage[key].cpu().numpy(), cmap=cmap,
                            extent=extent, interpolation='nearest')
        figure.colorbar(shown, ax=axis, fraction=0.046, pad=0.02)
        draw_boxes(axis, boxes, color='white')
    for axis, name in zip(axes, PANELS):
        axis.set_title(name, fontsize=9)
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle(f'{stage["title"]}   L_k = {stage["loss"]:.4f}',
                    fontsize=11)
    figure.tight_layout()
    figure.savefig(path, dpi=80)


def visualize(config: str,
              checkpoint: Optional[str] = None,
              teacher_ckpt: Optional[str] = None,
              image: Optional[str] = None,
              index: int = 0,
              out_dir: str = 'work_dirs/visualize_hgd') -> List[str]:
    """Write one PNG per stage pair, ``<out_dir>/<stage key>.png``; return
    their paths.

    One image runs through the algorithm's own ``loss`` in eval mode (running
    BatchNorm statistics: a single image has no batch statistics), which
    fills the distiller's recorders; :func:`stage_maps` then reads the terms
    the loss used.

    Args:
        config: an HGD distillation config.
        checkpoint: a distillation checkpoint (student, connectors, teacher).
        teacher_ckpt: a teacher checkpoint, overriding the config's;
            ``'none'`` for a randomly initialised teacher.
        image: a val image file (or any image: then no GT boxes).
        index: val set index, when ``image`` is not given.
        out_dir: where the PNGs go, one per stage key.
    """
    cfg = load_config(config, teacher_ckpt, checkpoint)
    model = build_model(cfg, checkpoint)
    item = load_item(cfg, image, index)
    with torch.no_grad():
        data = model.data_preprocessor(pseudo_collate([item]), False)
        model.loss(data['inputs'], data['data_samples'])
    maps = stage_maps(hgd_distiller_of(model))
    picture = display_image(item, data['inputs'].shape[-2:])
    boxes = gt_boxes_of(data['data_samples'])[0].cpu()
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for key, stage in maps.items():
        path = osp.join(out_dir, f'{key}.png')
        draw_stage(path, picture, boxes, stage)
        paths.append(path)
    return paths
