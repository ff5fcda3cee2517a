"""Where the mini setting lives in the repository checkout.

``hgd_mm_dev`` lives in the repository (``dev/hgd_mm_dev``, installed
editable by ``tools/setup_env.sh``), whose ``configs/mini``,
``tools/train.py``, ``data/`` and ``work_dirs/`` the runs use; this module is
the one place that knows the layout. The plugin, ``hgd_mm``, knows none of it.
"""
import os.path as osp

__all__ = [
    'REPO', 'MINI_CONFIGS', 'TEACHER_CFG', 'STUDENT_CFG', 'HGD_CFG',
    'NARROW_STUDENT_CFG', 'NARROW_HGD_CFG', 'TRAIN_TOOL', 'TEST_TOOL',
    'DATA_ROOT', 'QUICK_DATA_ROOT', 'PRETRAINED_ROOT',
    'QUICK_PRETRAINED_ROOT', 'RESULTS', 'DEMO_ROOT', 'QUICK_DEMO_ROOT'
]

# dev/hgd_mm_dev/mini/paths.py -> the checkout
REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
MINI_CONFIGS = osp.join(REPO, 'configs', 'mini')
TEACHER_CFG = osp.join(MINI_CONFIGS, 'retinanet_r18_fpn64_mini.py')
if not osp.isfile(TEACHER_CFG):  # e.g. a non-editable install
    raise ImportError(
        f'hgd_mm_dev runs from the repository checkout, but {TEACHER_CFG} '
        f'does not exist: install it editable (`pip install '
        f'--no-build-isolation --no-deps -e dev/`) or put dev/ on '
        f'PYTHONPATH.')
# The main pair: the student's FPN is as wide as the teacher's.
STUDENT_CFG = osp.join(MINI_CONFIGS, 'retinanet_r18-w16_fpn64_mini.py')
HGD_CFG = osp.join(MINI_CONFIGS, 'hgd_retina_r18_retina_r18-w16_mini.py')
# The heterogeneous pair: a narrower student FPN (connectors matter).
NARROW_STUDENT_CFG = osp.join(MINI_CONFIGS, 'retinanet_r18-w16_fpn16_mini.py')
NARROW_HGD_CFG = osp.join(MINI_CONFIGS, 'heterogeneous',
                          'hgd_retina_r18_retina_r18-w16-fpn16_mini.py')
TRAIN_TOOL = osp.join(REPO, 'tools', 'train.py')
TEST_TOOL = osp.join(REPO, 'tools', 'test.py')
DATA_ROOT = osp.join(REPO, 'data', 'mini_coco')
# --quick must never overwrite a full data set at the default root.
QUICK_DATA_ROOT = osp.join(REPO, 'data', 'mini_coco_quick')
# Pre-trained backbones (the configs read HGD_MINI_PRETRAINED; this default
# is theirs), and the tiny ones of --quick runs.
PRETRAINED_ROOT = osp.join(REPO, 'work_dirs', 'mini_pretrained')
QUICK_PRETRAINED_ROOT = osp.join(REPO, 'work_dirs', 'mini_pretrained_quick')
RESULTS = osp.join(REPO, 'docs', 'results')
#: Where the demo trains, and keeps the teacher every study reuses; quick
#: (test-sized) runs keep theirs apart, so they never replace the real one.
DEMO_ROOT = osp.join(REPO, 'work_dirs', 'demo')
QUICK_DEMO_ROOT = osp.join(REPO, 'work_dirs', 'demo_quick')
