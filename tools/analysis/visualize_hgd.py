#!/usr/bin/env python
"""Picture HGD's mechanism on one image: what each stage's loss sees.

Usage::

    python tools/analysis/visualize_hgd.py HGD_CONFIG [--checkpoint CKPT]
        [--teacher-ckpt CKPT] [--image PATH | --index I] [--out-dir DIR]

The distillation model is built from the config (and a distillation
checkpoint loaded, if given: it holds student, connectors and teacher; else
``--teacher-ckpt`` replaces ``model.teacher_ckpt``). One val image of the
config's data set runs through the algorithm's own ``loss`` (for
``FpnTeacherDistill``: teacher ``extract_feat`` under the teacher recorders,
student loss forward under the student recorders), with the model in eval
mode (running BatchNorm statistics: a single image has no batch statistics).
Then, for every stage pair, the distiller's own components give::

    S^ = normalize(connector(S)),  T^ = normalize(T)
    A  = spatial_attention(., tau of the imitation loss)
    W  = micro(gt boxes, input size, A(T^))

and one PNG per pair, ``OUT_DIR/<stage key>.png`` (e.g. ``neck_0.png``), shows
in one row: the input with its GT boxes, W, A(T^), A(S^) and the imitation
error mean_c (S^ - T^)^2, with the stage's loss L_k in the title. Maps are
drawn over the input's extent, so they line up with the boxes.

``--image PATH`` picks a val image by file name (then its GT boxes are shown);
an image outside the val set runs without boxes (all background).
"""
import argparse
import os
import os.path as osp
import sys
import warnings
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import hgd_mm  # noqa: E402,F401  (compat fixes + HGD components)
import matplotlib  # noqa: E402

matplotlib.use('Agg')  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import Compose, pseudo_collate  # noqa: E402
from mmengine.registry import DATASETS, MODELS, init_default_scope  # noqa
from mmengine.runner import load_checkpoint  # noqa: E402

from hgd_mm.models.distillers.hgd_distiller import (  # noqa: E402
    HGDDistiller, gt_boxes_of)
from hgd_mm.models.losses import spatial_attention  # noqa: E402

PANELS = ('image + GT boxes', 'micro weights W', 'teacher attention A(T^)',
          'student attention A(S^)', 'imitation error mean_c (S^-T^)^2')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='an HGD distillation config')
    parser.add_argument('--checkpoint',
                        help='a checkpoint of the distillation run')
    parser.add_argument('--teacher-ckpt',
                        help='teacher checkpoint (overrides '
                        'model.teacher_ckpt; "none" for a randomly '
                        'initialised teacher)')
    which = parser.add_mutually_exclusive_group()
    which.add_argument('--image', help='an image file (a val image: its GT '
                       'boxes are drawn)')
    which.add_argument('--index', type=int, default=0,
                       help='index in the val set (default 0)')
    parser.add_argument('--out-dir', default='work_dirs/visualize_hgd')
    return parser.parse_args(argv)


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


def val_dataset(cfg: Config):
    return DATASETS.build(cfg.val_dataloader.dataset)


def find_in_dataset(dataset, image: str) -> Optional[int]:
    """Index of the dataset item whose file is ``image``, else None."""
    # By real path: train/000001.png and val/000001.png share a name.
    wanted = osp.realpath(image)
    for index in range(len(dataset)):
        if osp.realpath(dataset.get_data_info(index)['img_path']) == wanted:
            return index
    return None


def load_item(cfg: Config, image: Optional[str], index: int) -> dict:
    """One packed item (inputs, data_samples) through the val pipeline."""
    dataset = val_dataset(cfg)
    if image is not None:
        if not osp.exists(image):
            raise FileNotFoundError(f'--image {image} does not exist.')
        found = find_in_dataset(dataset, image)
        if found is None:
            return load_outside_image(cfg, image)
        index = found
    if not 0 <= index < len(dataset):
        raise IndexError(f'--index {index}: the val set has {len(dataset)} '
                         f'images (0..{len(dataset) - 1}).')
    return dataset[index]


def load_outside_image(cfg: Config, image: str) -> dict:
    """An image outside the val set: the val pipeline with no boxes (the
    detector's loss needs its ground-truth fields, empty ones will do)."""
    pipeline = Compose(cfg.val_dataloader.dataset.pipeline)
    return pipeline(dict(img_path=image, img_id=0, instances=[]))


# --- what the loss sees ------------------------------------------------------


@torch.no_grad()
def run_loss_path(model: torch.nn.Module, item: dict) -> Tuple:
    """The algorithm's loss on one image; fills the distiller's recorders.

    Returns:
        (inputs (1, 3, H, W), data_samples, losses dict)
    """
    data = model.data_preprocessor(pseudo_collate([item]), False)
    inputs, samples = data['inputs'], data['data_samples']
    losses = model.loss(inputs, samples)
    return inputs, samples, losses


@torch.no_grad()
def stage_maps(distiller: HGDDistiller, inputs: torch.Tensor,
               samples) -> Dict[str, dict]:
    """Per stage pair: W, A(T^), A(S^), error map and L_k, from the
    recorded features and the distiller's own components."""
    gt_boxes = gt_boxes_of(samples)
    input_size = tuple(inputs.shape[-2:])
    student_features = distiller.recorded_stages(distiller.student_recorders)
    teacher_features = distiller.recorded_stages(distiller.teacher_recorders)
    tau = distiller.imitation_loss.tau
    maps = {}
    for student, teacher in distiller.pairs:
        s_feat = student_features[student.name].float()
        t_feat = teacher_features[teacher.name].float()
        connector = distiller.stage_connectors[student.key]
        student_hat = distiller.normalize(connector(s_feat, t_feat.shape[-2:]))
        teacher_hat = distiller.normalize(t_feat)
        teacher_attention = spatial_attention(teacher_hat, tau)
        if distiller.micro is not None:
            weights = distiller.micro(gt_boxes, input_size, teacher_attention)
        else:  # what the loss uses without micro weights: a uniform mean
            weights = torch.full_like(teacher_attention,
                                      1.0 / teacher_attention[0].numel())
        maps[student.key] = dict(
            title=f'{student.name} -> teacher {teacher.name} '
            f'(stride {teacher.stride}, {tuple(t_feat.shape[-2:])})',
            weights=weights[0],
            teacher_attention=teacher_attention[0],
            student_attention=spatial_attention(student_hat, tau)[0],
            error=(student_hat - teacher_hat).pow(2).mean(dim=1)[0],
            loss=float(distiller.stage_loss(s_feat, t_feat, connector,
                                            gt_boxes, input_size)))
    return maps


# --- drawing -----------------------------------------------------------------


def input_image(model: torch.nn.Module, inputs: torch.Tensor) -> np.ndarray:
    """The preprocessed (padded) input back to uint8 HxWx3 for display."""
    preprocessor = model.data_preprocessor
    image = inputs[0].float().cpu()
    if getattr(preprocessor, '_enable_normalize', False):
        image = image * preprocessor.std.cpu() + preprocessor.mean.cpu()
    # The preprocessor swaps BGR to RGB when configured; otherwise show BGR
    # as RGB for matplotlib.
    if not getattr(preprocessor, '_channel_conversion', False):
        image = image.flip(0)
    return image.permute(1, 2, 0).clamp(0, 255).byte().numpy()


def draw_boxes(axis, boxes: torch.Tensor, color: str = 'lime') -> None:
    for x1, y1, x2, y2 in boxes.tolist():
        axis.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                                     edgecolor=color, linewidth=1))


def draw_stage(path: str, image: np.ndarray, boxes: torch.Tensor,
               stage: dict) -> None:
    """One row of five panels for one stage pair."""
    height, width = image.shape[:2]
    extent = (0, width, height, 0)  # the stage grid spans the padded input
    figure, axes = plt.subplots(1, 5, figsize=(20, 4.4))
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
    plt.close(figure)


def visualize(config: str,
              checkpoint: Optional[str] = None,
              teacher_ckpt: Optional[str] = None,
              image: Optional[str] = None,
              index: int = 0,
              out_dir: str = 'work_dirs/visualize_hgd') -> List[str]:
    """Write one PNG per stage pair; return their paths.

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
    distiller = hgd_distiller_of(model)
    item = load_item(cfg, image, index)
    inputs, samples, _ = run_loss_path(model, item)
    maps = stage_maps(distiller, inputs, samples)
    picture = input_image(model, inputs)
    boxes = gt_boxes_of(samples)[0].cpu()
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for key, stage in maps.items():
        path = osp.join(out_dir, f'{key}.png')
        draw_stage(path, picture, boxes, stage)
        paths.append(path)
    return paths


def main(argv=None) -> List[str]:
    args = parse_args(argv)
    paths = visualize(args.config, args.checkpoint, args.teacher_ckpt,
                      args.image, args.index, args.out_dir)
    print(f'wrote {len(paths)} stage pictures to {args.out_dir}: ' +
          ', '.join(osp.basename(p) for p in paths))
    return paths


if __name__ == '__main__':
    main()
