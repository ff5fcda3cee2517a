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
from typing import Any, List, Optional, Sequence

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


LOCAL_CONFIG_PATTERN = (
    "For configs of your own, inherit the student's config and give both "
    'models as config variables, not cfg_path: _base_ = [\'./my_student.py\'] '
    'and model = dict(_delete_=True, _scope_=\'mmrazor\', '
    "type='FpnTeacherDistill', architecture={{_base_.student}}, "
    'teacher={{_base_.teacher}}, ...), with both models variables of a '
    'base config (configs/mini/_base_/fpn_teacher_distill_mini.py does this; '
    'the README\'s Quick start has the example).')


class LocalCfgPathError(ValueError):
    """``cfg_path`` names a local file, which MMRazor cannot read."""


def check_cfg_paths(cfg: Any) -> None:
    """Refuse a ``model.architecture``/``model.teacher`` ``cfg_path`` that
    names a local file, naming the pattern that works.

    MMRazor builds a ``cfg_path`` model with ``mmengine.hub.get_model``,
    which takes only ``package::path`` names of installed packages; a local
    path fails deep inside it (``ValueError: _get_package_and_cfg_path is
    used for get external package``).

    Raises:
        LocalCfgPathError: a ``cfg_path`` without ``::``.
    """
    model = cfg.get('model', {}) if hasattr(cfg, 'get') else {}
    for key in ('architecture', 'teacher'):
        part = model.get(key) if isinstance(model, (dict, ConfigDict)) \
            else None
        path = part.get('cfg_path') if isinstance(part, (dict, ConfigDict)) \
            else None
        if isinstance(path, str) and '::' not in path:
            raise local_cfg_path_error(f'model.{key}.cfg_path', path)


def local_cfg_path_error(name: str, path: str) -> LocalCfgPathError:
    """The error for a ``cfg_path`` that names a local file, naming the
    pattern that works (here and in :mod:`hgd_mm.compat.local_cfg_path`)."""
    return LocalCfgPathError(
        f'{name}={path!r} names a local file, but '
        f"MMRazor's cfg_path takes only 'package::path/to/config.py' "
        f'names of installed packages (mmengine.hub.get_model), e.g. '
        f"'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'. "
        f'{LOCAL_CONFIG_PATTERN}')


def teacher_config(cfg: Config) -> Optional[Config]:
    teacher = cfg.get('model', {}).get('teacher', {})
    if (not isinstance(teacher, (dict, ConfigDict))
            or 'cfg_path' not in teacher):
        return None
    check_cfg_paths(cfg)
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
            f'exist: {", ".join(missing)}. {missing_files_hint(cfg)}Or fix '
            f'init_cfg.checkpoint.')


DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def missing_files_hint(cfg: Any) -> str:
    """How the config's own project makes its data and weights: the
    config's ``missing_files_hint`` (the mini configs name their generator
    and pre-training there), as a sentence, or nothing."""
    hint = cfg.get('missing_files_hint') if hasattr(cfg, 'get') else None
    return f'{hint.rstrip()} ' if hint else ''


class DatasetMissingError(FileNotFoundError):
    """A config's annotation files do not exist."""


def missing_annotation_files(cfg: Any,
                             keys: Sequence[str] = DATALOADERS) -> List[str]:
    """Local annotation files the config's dataloaders ``keys`` read that do
    not exist (``data_root`` joined as mmengine's ``BaseDataset`` does)."""
    missing = []
    for key in keys:
        dataset = (cfg.get(key) or {}).get('dataset') or {}
        while isinstance(dataset.get('dataset'), dict):  # RepeatDataset ...
            dataset = dataset['dataset']
        ann_file = dataset.get('ann_file')
        if not isinstance(ann_file, str) or not ann_file or '://' in ann_file:
            continue
        root = dataset.get('data_root') or ''
        path = ann_file if osp.isabs(ann_file) or '://' in root else \
            osp.join(root, ann_file)
        if '://' not in path and not osp.exists(path):
            missing.append(path)
    return sorted(set(missing))


def check_dataset_files(cfg: Config, config_path: str,
                        keys: Sequence[str] = DATALOADERS) -> None:
    """Stop before building anything when the dataset is not there, and say
    how to make it (the mini configs read data the project generates).

    Args:
        cfg: the config.
        config_path: its file, for the message.
        keys: the dataloaders to check (``tools/test.py``: the test one).

    Raises:
        DatasetMissingError: an annotation file does not exist.
    """
    missing = missing_annotation_files(cfg, keys)
    if not missing:
        return
    raise DatasetMissingError(
        f'{config_path} reads a dataset that is not there: '
        f'{", ".join(missing)} do(es) not exist. {missing_files_hint(cfg)}'
        f'Or fix data_root / ann_file.')
