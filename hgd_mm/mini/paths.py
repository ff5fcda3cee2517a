"""Where the mini setting lives in the repository checkout.

hgd_mm is installed editable from its repository (``pip install -e .``), whose
``configs/mini``, ``tools/train.py``, ``data/`` and ``work_dirs/`` the runs
use; this module is the one place that knows the layout.
"""
import os.path as osp

__all__ = [
    'REPO', 'MINI_CONFIGS', 'TEACHER_CFG', 'STUDENT_CFG', 'HGD_CFG',
    'TRAIN_TOOL', 'DATA_ROOT', 'QUICK_DATA_ROOT', 'RESULTS'
]

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MINI_CONFIGS = osp.join(REPO, 'configs', 'mini')
TEACHER_CFG = osp.join(MINI_CONFIGS, 'retinanet_r18_fpn64_mini.py')
STUDENT_CFG = osp.join(MINI_CONFIGS, 'retinanet_r18-w16_fpn16_mini.py')
HGD_CFG = osp.join(MINI_CONFIGS, 'hgd_retina_r18_retina_r18-w16_mini.py')
TRAIN_TOOL = osp.join(REPO, 'tools', 'train.py')
DATA_ROOT = osp.join(REPO, 'data', 'mini_coco')
# --quick must never overwrite a full data set at the default root.
QUICK_DATA_ROOT = osp.join(REPO, 'data', 'mini_coco_quick')
RESULTS = osp.join(REPO, 'docs', 'results')
