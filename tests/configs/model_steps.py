"""Build a mini config's model as a Runner does and take one training step
on a tiny random batch: shared by the config tests that build and step
(``test_mini_demo.py``, ``test_mini_settings.py``). Nothing is trained."""
import copy
from typing import Dict, Optional

import torch
from mmengine.logging import MessageHub
from torch import nn

from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.testing import demo_mm_inputs
from mmrazor.registry import MODELS as MMRAZOR_MODELS

__all__ = ['IMAGE_SIZE', 'BATCH_SIZE', 'build', 'tiny_batch', 'training_step']

IMAGE_SIZE = 128  # divisible by the largest stride (P7: 128)
BATCH_SIZE = 2  # >1: PKD and HGD standardise over the batch


def build(model_cfg, teacher_ckpt: Optional[str] = None) -> nn.Module:
    """Build as a Runner does (backbones from their Pretrained init_cfg).

    Args:
        model_cfg: a detector's or a distiller's model config.
        teacher_ckpt: the distiller's teacher checkpoint; None: the teacher
            starts from its own init_cfg.
    """
    model_cfg = copy.deepcopy(model_cfg)
    if model_cfg.get('_scope_') == 'mmrazor':
        model_cfg.teacher_ckpt = teacher_ckpt
        model = MMRAZOR_MODELS.build(model_cfg)
    else:
        model = MMDET_MODELS.build(model_cfg)
    model.init_weights()
    return model


def tiny_batch(num_classes: int) -> dict:
    """A random batch of BATCH_SIZE images with 3 boxes each."""
    torch.manual_seed(0)
    return demo_mm_inputs(
        BATCH_SIZE, image_shapes=[(3, IMAGE_SIZE, IMAGE_SIZE)] * BATCH_SIZE,
        num_classes=num_classes, num_items=[3] * BATCH_SIZE, with_mask=False)


def training_step(model: nn.Module, num_classes: int = 6) -> Dict[str, float]:
    """One forward/backward/update on a tiny random batch; the log vars."""
    packed = tiny_batch(num_classes)
    # As inside a Runner: schedules that decay over training read max_iters.
    MessageHub.get_current_instance().update_info('max_iters', 1000)
    model.train()
    student = getattr(model, 'student', model)
    params = [p for p in student.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=1e-3)
    data = model.data_preprocessor(packed, True)
    loss, log_vars = model.parse_losses(model(**data, mode='loss'))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return {key: float(torch.as_tensor(value).detach())
            for key, value in log_vars.items()}
