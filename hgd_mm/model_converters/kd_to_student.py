"""Convert an MMRazor distillation checkpoint to a plain student checkpoint
(``tools/model_converters/convert_kd_ckpt_to_student.py``).

Usage::

    python tools/model_converters/convert_kd_ckpt_to_student.py CKPT \\
        [--out-path DIR] [--out-config --config DISTILL_CONFIG]

Writes ``DIR/<name>_student.pth`` (``<name>`` is CKPT's file name without
``.pth``; DIR defaults to CKPT's directory): the ``architecture.`` weights of
the algorithm with the prefix stripped (no teacher, no distiller, connector or
macro state) and the checkpoint's ``meta``, dataset_meta included, so that
mmdet's ``init_detector`` reads the class names. numpy values in ``meta``
become Python numbers and lists, so the student checkpoint loads with a plain
``torch.load(weights_only=True)``, without hgd_mm.

With ``--out-config --config DISTILL_CONFIG`` it also writes
``DIR/<name>_student_config.py``: the distillation config with ``model``
replaced by the student (a ``cfg_path='mmdet::...'`` student is resolved to the
full mmdet model), without ``teacher_ckpt``, with mmengine's plain
``ValLoop``/``TestLoop`` instead of MMRazor's distillation loops, hgd_mm's
training-only parts replaced by mmengine's own (``AtomicCheckpointHook`` ->
``CheckpointHook``, ``CPUAmpOptimWrapper`` -> ``OptimWrapper``,
``NonFiniteLossHook`` dropped) and without ``hgd_mm`` in ``custom_imports``
unless something left still needs it (an hgd_mm component in the student).
``init_detector(student_config, student_ckpt)`` and mmdet's own
``tools/test.py`` then work without hgd_mm.

The checkpoint is read by :mod:`hgd_mm.engine.checkpoint_reader` (the
teacher's reader too), with ``weights_only=True``: only the numpy and
``HistoryBuffer`` types mmengine writes are allowed (``hgd_mm.compat``); a
checkpoint whose pickle would run any other code is refused.
"""
import argparse
import os
import os.path as osp
import sys
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config

from ..engine.atomic_checkpoint import atomic_torch_save
from ..engine.checkpoint_reader import CheckpointReadError, read_checkpoint

__all__ = [
    'ConversionError', 'student_checkpoint', 'student_config', 'main'
]

PREFIX = 'architecture.'
# hgd_mm's drop-in replacements of mmengine components (same arguments but
# those listed) and the components only training needs.
PLAIN_EQUIVALENTS = {
    'AtomicCheckpointHook': ('CheckpointHook', ()),
    'CPUAmpOptimWrapper': ('OptimWrapper', ('precision', 'dtype')),
}
TRAINING_ONLY_HOOKS = ('NonFiniteLossHook', )
# What mmengine's Runner builds from a config; other top-level names are
# plain variables (e.g. a base config's ``hgd_distiller``), never built.
BUILT_KEYS = ('model', 'default_hooks', 'custom_hooks', 'optim_wrapper',
              'param_scheduler', 'train_cfg', 'val_cfg', 'test_cfg',
              'train_dataloader', 'val_dataloader', 'test_dataloader',
              'val_evaluator', 'test_evaluator', 'visualizer',
              'log_processor')
PLAIN_LOOPS = {'val_cfg': 'ValLoop', 'test_cfg': 'TestLoop'}
CHECKPOINT_FIX = ('Pass the .pth that tools/train.py wrote for the '
                  'distillation config (e.g. work_dirs/<config name>/'
                  'epoch_12.pth).')


class ConversionError(Exception):
    """A checkpoint or config that cannot be converted; the message names the
    problem and the fix."""


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='Convert an MMRazor distillation checkpoint to a '
        'student-only checkpoint (and, with --out-config, its plain mmdet '
        'config).')
    parser.add_argument('checkpoint', help='distillation checkpoint (.pth)')
    parser.add_argument(
        '--out-path',
        help='output directory; defaults to the checkpoint\'s directory')
    parser.add_argument(
        '--out-config',
        action='store_true',
        help='also write <name>_student_config.py (needs --config)')
    parser.add_argument(
        '--config',
        help='the distillation config the checkpoint was trained with')
    args = parser.parse_args(argv)
    if args.out_config and not args.config:
        parser.error('--out-config needs --config DISTILL_CONFIG: the '
                     'distillation config the checkpoint was trained with.')
    if args.config and not args.out_config:
        parser.error('--config is only read to write the student config: '
                     'add --out-config, or drop --config.')
    return args


# --- checkpoint ------------------------------------------------------------


def load_checkpoint(path: str) -> Any:
    """Read a distillation checkpoint; errors as :class:`ConversionError`.

    Args:
        path: checkpoint file.
    """
    try:
        return read_checkpoint(path, fix=CHECKPOINT_FIX)
    except CheckpointReadError as error:
        raise ConversionError(str(error)) from None


def student_state_dict(checkpoint: Any, path: str) -> 'OrderedDict[str, Any]':
    """The student's weights: ``architecture.*`` keys, prefix stripped.

    Args:
        checkpoint: the loaded checkpoint.
        path: its file, for messages.
    """
    state = checkpoint.get('state_dict', checkpoint) if isinstance(
        checkpoint, dict) else None
    if not isinstance(state, dict):
        raise ConversionError(
            f'{path!r} holds a {type(checkpoint).__name__}, not a checkpoint '
            f'dict with a state_dict. Pass the .pth written by '
            f'tools/train.py for a distillation config.')
    student = OrderedDict((key[len(PREFIX):], value)
                          for key, value in state.items()
                          if key.startswith(PREFIX))
    if not student:
        examples = ', '.join(repr(key) for key in list(state)[:3])
        raise ConversionError(
            f'{path!r} does not look like an MMRazor distillation checkpoint: '
            f'none of its {len(state)} state_dict keys starts with '
            f'{PREFIX!r} (first keys: {examples or "none"}). Pass the '
            f'checkpoint of a distillation config (model.type such as '
            f'FpnTeacherDistill); a plain mmdet checkpoint needs no '
            f'conversion.')
    return student


def plain_value(value: Any) -> Any:
    """``value`` with numpy scalars/arrays replaced by Python values.

    Args:
        value: a value of the checkpoint's ``meta``.
    """
    if isinstance(value, dict):
        return type(value)((key, plain_value(item))
                           for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(plain_value(item) for item in value)
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    return value


def student_checkpoint(path: str) -> Dict[str, Any]:
    """The student checkpoint of a distillation checkpoint: its
    ``architecture.`` weights and its ``meta`` (numpy values made plain).

    Args:
        path: the distillation checkpoint.
    """
    checkpoint = load_checkpoint(path)
    state_dict = student_state_dict(checkpoint, path)
    meta = plain_value(checkpoint.get('meta', {}))
    return dict(meta=meta, state_dict=state_dict)


# --- config ----------------------------------------------------------------


def resolve_architecture(architecture: Dict[str, Any]) -> Dict[str, Any]:
    """The student's full model config.

    A ``cfg_path='mmdet::...'`` student (MMRazor's way to name a model of
    another OpenMMLab package) is read with mmengine's hub, as MMRazor
    builds it; any other student config is returned as it is.

    Args:
        architecture: ``model.architecture`` of the distillation config.
    """
    cfg_path = architecture.get('cfg_path')
    if not cfg_path or architecture.get('type'):
        return dict(architecture)
    from mmengine.hub import get_config
    try:
        external = get_config(cfg_path)
    except Exception as error:
        raise ConversionError(
            f'model.architecture.cfg_path={cfg_path!r} could not be read '
            f'({type(error).__name__}: {error}). Give it as '
            f'"package::path/to/config.py" of an installed OpenMMLab '
            f'package, e.g. "mmdet::retinanet/retinanet_r50_fpn_1x_coco.py".'
        ) from None
    model = external.model.to_dict()
    if 'data_preprocessor' in external and 'data_preprocessor' not in model:
        model['data_preprocessor'] = external.data_preprocessor.to_dict()
    if '::' in cfg_path:
        model.setdefault('_scope_', cfg_path.split('::', 1)[0])
    return model


def registered_type_names(model: Any) -> List[str]:
    """Every ``type`` named in a (nested) model config, scope prefix dropped.

    Args:
        model: a model config or any value inside one.
    """
    names = []
    if isinstance(model, dict):
        if isinstance(model.get('type'), str):
            names.append(model['type'].rsplit('.', 1)[-1])
        for value in model.values():
            names.extend(registered_type_names(value))
    elif isinstance(model, (list, tuple)):
        for value in model:
            names.extend(registered_type_names(value))
    return names


def hgd_mm_type_names() -> set:
    """The names hgd_mm registers (MMRazor's models, mmengine's hooks and
    optimiser wrappers)."""
    from mmengine.registry import HOOKS, OPTIM_WRAPPERS
    from mmrazor.registry import MODELS
    return {
        name
        for registry in (MODELS, HOOKS, OPTIM_WRAPPERS)
        for name, obj in registry.module_dict.items()
        if getattr(obj, '__module__', '').startswith('hgd_mm')
    }


def uses_hgd_mm(model: Any) -> bool:
    """Whether a (model) config names a component registered by hgd_mm.

    Args:
        model: the student's model config, or any config value.
    """
    return bool(hgd_mm_type_names() & set(registered_type_names(model)))


def plain_components(value: Any) -> Any:
    """``value`` with hgd_mm's drop-ins replaced by mmengine's components
    (:data:`PLAIN_EQUIVALENTS`) and its training-only hooks dropped.

    Args:
        value: a config value (not the model).
    """
    if isinstance(value, (list, tuple)):
        return type(value)(
            plain_components(item) for item in value
            if not (isinstance(item, dict) and str(item.get('type', '')).
                    rsplit('.', 1)[-1] in TRAINING_ONLY_HOOKS))
    if not isinstance(value, dict):
        return value
    result = {key: plain_components(item) for key, item in value.items()}
    name = str(result.get('type', '')).rsplit('.', 1)[-1]
    if name in PLAIN_EQUIVALENTS:
        plain, dropped = PLAIN_EQUIVALENTS[name]
        result = {k: v for k, v in result.items() if k not in dropped}
        result['type'] = plain
    return result


def is_distillation_loop(loop: Any) -> bool:
    """Whether a ``val_cfg``/``test_cfg`` names one of MMRazor's loops.

    Args:
        loop: the loop config.
    """
    if not isinstance(loop, dict) or not isinstance(loop.get('type'), str):
        return False
    scope, _, name = loop['type'].rpartition('.')
    if scope == 'mmrazor':
        return True
    import mmrazor.engine  # noqa: F401  (registers MMRazor's loops)
    from mmrazor.registry import LOOPS
    return name in LOOPS.module_dict


def plain_custom_imports(custom_imports: Optional[Dict[str, Any]],
                         needs_hgd_mm: bool) -> Optional[Dict[str, Any]]:
    """``custom_imports`` without hgd_mm unless the student needs it; None
    when nothing is left to import.

    Args:
        custom_imports: the distillation config's ``custom_imports``.
        needs_hgd_mm: whether the student uses an hgd_mm component.
    """
    if not custom_imports:
        return None
    imports = custom_imports.get('imports', [])
    imports = [imports] if isinstance(imports, str) else list(imports)
    if not needs_hgd_mm:
        imports = [name for name in imports if name != 'hgd_mm']
    if not imports:
        return None
    return dict(custom_imports, imports=imports)


def student_config_dict(config: Dict[str, Any]) -> Dict[str, Any]:
    """The plain student config of a distillation config, as a dict.

    Args:
        config: the distillation config as a dict.
    """
    model = config.get('model') or {}
    if not isinstance(model.get('architecture'), dict):
        raise ConversionError(
            'the config has no model.architecture: pass the MMRazor '
            'distillation config the checkpoint was trained with (model.type '
            'such as FpnTeacherDistill).')
    student = resolve_architecture(model['architecture'])
    result = {key: student if key == 'model' else plain_components(value)
              for key, value in config.items()}
    result.pop('teacher_ckpt', None)
    for key, loop_type in PLAIN_LOOPS.items():
        loop = result.get(key)
        if is_distillation_loop(loop):
            fp16 = {'fp16': loop['fp16']} if 'fp16' in loop else {}
            result[key] = dict(type=loop_type, **fp16)
    custom_imports = result.pop('custom_imports', None)
    needs_hgd_mm = uses_hgd_mm([result.get(key) for key in BUILT_KEYS])
    custom_imports = plain_custom_imports(custom_imports, needs_hgd_mm)
    if custom_imports:
        result['custom_imports'] = custom_imports
    if result.get('default_scope') == 'mmrazor':
        result['default_scope'] = student.get('_scope_', 'mmdet')
    return result


def student_config(config_path: str) -> Config:
    """The plain student config of a distillation config file.

    Args:
        config_path: the distillation config.
    """
    if not osp.isfile(config_path):
        raise ConversionError(
            f'config {config_path!r} does not exist: pass the distillation '
            f'config the checkpoint was trained with.')
    config = Config.fromfile(config_path)
    return Config(student_config_dict(config.to_dict()))


# --- command line ----------------------------------------------------------


def output_paths(checkpoint: str, out_dir: Optional[str]) -> Dict[str, str]:
    """``<name>_student.pth`` and ``<name>_student_config.py`` in the output
    directory (created if missing).

    Args:
        checkpoint: the distillation checkpoint.
        out_dir: the output directory; the checkpoint's when None.
    """
    name = osp.splitext(osp.basename(checkpoint))[0]
    directory = out_dir or osp.dirname(osp.abspath(checkpoint))
    os.makedirs(directory, exist_ok=True)
    return dict(
        checkpoint=osp.join(directory, f'{name}_student.pth'),
        config=osp.join(directory, f'{name}_student_config.py'))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the conversion; return the exit code.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    try:
        student = student_checkpoint(args.checkpoint)
        config = student_config(args.config) if args.out_config else None
    except ConversionError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    paths = output_paths(args.checkpoint, args.out_path)
    # Atomic: a crash mid-write never leaves a truncated student .pth.
    atomic_torch_save(student, paths['checkpoint'])
    print(f'student checkpoint: {paths["checkpoint"]}')
    if config is not None:
        config.dump(paths['config'])
        print(f'student config: {paths["config"]}')
    return 0
