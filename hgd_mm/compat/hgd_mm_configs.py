"""Fix ``hgd_mm_configs``: ``hgd_mm::`` config names for mmengine's Config.

mmengine 0.10.7 resolves ``package::path`` only for the OpenMMLab packages
in its ``MODULE2PACKAGE`` table (``AssertionError: mmengine does not support
to load hgd_mm config``), and finds a package's files with
``get_installed_path``, which for an editable install or a ``PYTHONPATH``
checkout returns site-packages, where no ``hgd_mm`` folder is. This adds
``hgd_mm`` to the table and, for the package ``hgd_mm`` only, makes
``get_installed_path`` return the folder of the ``hgd_mm`` this process
imported (every other package as mmengine finds it). Its configs are under
``hgd_mm/.mim/configs`` as mmdet's are: a symlink to ``configs/`` in the
source tree, copied into the wheel.

Scope: at ``import hgd_mm``; ``mmengine.config.config.get_installed_path``
and ``mmengine.hub.hub.get_installed_path`` (the names mmengine's Config and
hub call) answer differently for ``'hgd_mm'`` only.
"""
import os.path as osp
from typing import Callable

__all__ = ['PACKAGE', 'allow_hgd_mm_configs']

PACKAGE = 'hgd_mm'
MARK = '_hgd_mm_configs'


def package_folder() -> str:
    """The folder of the ``hgd_mm`` package this process runs."""
    return osp.dirname(osp.dirname(osp.abspath(__file__)))


def installed_path_with_hgd_mm(get_installed_path: Callable) -> Callable:

    def get_installed_path_or_hgd_mm(package: str) -> str:
        if package == PACKAGE:
            return package_folder()
        return get_installed_path(package)

    setattr(get_installed_path_or_hgd_mm, MARK, True)
    return get_installed_path_or_hgd_mm


def allow_hgd_mm_configs() -> None:
    """Install the fix; a second call changes nothing."""
    import mmengine.config.config as config_module
    import mmengine.config.utils as config_utils
    import mmengine.hub.hub as hub_module
    config_utils.MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)
    for module in (config_module, hub_module):
        if not getattr(module.get_installed_path, MARK, False):
            module.get_installed_path = installed_path_with_hgd_mm(
                module.get_installed_path)
