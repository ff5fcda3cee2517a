"""Fix ``local_cfg_path``: a local ``cfg_path`` fails with an error that
names the pattern that works, whatever tool builds the model.

MMRazor builds ``architecture=dict(cfg_path=...)`` and
``teacher=dict(cfg_path=...)`` with ``mmengine.hub.get_model``, which takes
only ``package::path`` names; a local file fails deep inside it with
"``_get_package_and_cfg_path`` is used for get external package". hgd-mm's
own tools check configs before building (:mod:`hgd_mm.engine.input_check`);
under mmdet's or MMRazor's ``tools/train.py`` (``custom_imports``) this
wrapper gives the same :class:`~hgd_mm.engine.LocalCfgPathError`.

Scope: at ``import hgd_mm``; ``mmengine.hub.get_model`` (the name MMRazor's
registry calls) differs only for a ``cfg_path`` without ``::``, which
mmengine refuses anyway; every ``package::path`` name is passed through.
"""
from typing import Callable

__all__ = ['refuse_local_cfg_paths']

MARK = '_hgd_mm_local_cfg_path'


def refusing_local_paths(get_model: Callable) -> Callable:

    def get_model_or_refuse_local_path(cfg_path: str, *args, **kwargs):
        if isinstance(cfg_path, str) and '::' not in cfg_path:
            from hgd_mm.engine.input_check import local_cfg_path_error
            raise local_cfg_path_error('cfg_path', cfg_path)
        return get_model(cfg_path, *args, **kwargs)

    setattr(get_model_or_refuse_local_path, MARK, True)
    return get_model_or_refuse_local_path


def refuse_local_cfg_paths() -> None:
    """Install the fix; a second call changes nothing."""
    import mmengine.hub as hub
    if not getattr(hub.get_model, MARK, False):
        hub.get_model = refusing_local_paths(hub.get_model)
