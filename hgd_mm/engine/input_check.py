"""Warn when a distillation config feeds the teacher images unlike its own.

In MMRazor's single-teacher algorithms the teacher sees the *student's*
batch: the student's pipeline decides the image size and the student's data
preprocessor the normalisation. A teacher trained at another scale, or with
another normalisation, then sees inputs it was not trained on. This compares
the distillation config with the teacher's own config (``cfg_path``) before
training; ``tools/train.py`` calls it. The input normalisation is also
checked when the model is built (``HGDDistiller``).
"""
import os.path as osp
import warnings
from typing import Any, List, Optional

from mmengine.config import Config, ConfigDict

RESIZES = ('Resize', 'RandomResize', 'RandomChoiceResize')


def pipeline_scales(cfg: Any) -> List[Any]:
    """The ``scale`` of every resize in a config's train pipeline."""
    dataset = cfg.get('train_dataloader', {}).get('dataset', {})
    while 'dataset' in dataset:  # RepeatDataset and friends
        dataset = dataset['dataset']
    pipeline = dataset.get('pipeline', [])
    scales = []
    for transform in pipeline:
        if transform.get('type') in RESIZES:
            scale = transform.get('scale', transform.get('scales'))
            scales.append(to_plain(scale))
    return scales


def to_plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def teacher_config(cfg: Config) -> Optional[Config]:
    teacher = cfg.get('model', {}).get('teacher', {})
    if not isinstance(teacher, (dict, ConfigDict)) or 'cfg_path' not in teacher:
        return None
    from mmengine.hub import get_config
    return get_config(teacher['cfg_path'])


def check_teacher_inputs(cfg: Config) -> List[str]:
    """Warn (and return the warnings) where the teacher's own config resizes
    its training images differently from the distillation config."""
    teacher_cfg = teacher_config(cfg)
    if teacher_cfg is None:
        return []
    problems = []
    student_scales, teacher_scales = (pipeline_scales(cfg),
                                      pipeline_scales(teacher_cfg))
    if student_scales and teacher_scales and \
            student_scales != teacher_scales:
        problems.append(
            f'the teacher ({cfg.model.teacher.cfg_path}) was trained with '
            f'resize scales {teacher_scales} but is fed the distillation '
            f"config's {student_scales}. If that is intended, ignore this; "
            f'otherwise use the same train pipeline.')
    for problem in problems:
        warnings.warn(f'HGD input check: {problem}')
    return problems


def missing_pretrained_checkpoints(model: Any) -> List[str]:
    """Local ``Pretrained`` init checkpoints a model config names that do
    not exist (URLs and ``open-mmlab://`` names are not checked)."""
    missing = []
    if isinstance(model, dict):
        init = model.get('init_cfg')
        if (isinstance(init, dict) and init.get('type') == 'Pretrained'
                and isinstance(init.get('checkpoint'), str)
                and '://' not in init['checkpoint']
                and not osp.exists(init['checkpoint'])):
            missing.append(init['checkpoint'])
        for value in model.values():
            missing += missing_pretrained_checkpoints(value)
    elif isinstance(model, (list, tuple)):
        for value in model:
            missing += missing_pretrained_checkpoints(value)
    return missing


def check_pretrained_checkpoints(cfg: Config, config_path: str) -> None:
    """Stop before building anything when a backbone's pre-trained weights
    are missing, naming them."""
    model = dict(cfg.get('model') or {})
    if model.get('teacher_ckpt'):  # the teacher's weights come from there
        model.pop('teacher', None)
    missing = sorted(set(missing_pretrained_checkpoints(model)))
    if missing:
        raise FileNotFoundError(
            f'{config_path} starts from pre-trained weights that do not '
            f'exist: {", ".join(missing)}. Make or download them (the '
            f'config files that name them say how), or fix '
            f'init_cfg.checkpoint.')
