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
    'QUICK_PRETRAINED_ROOT', 'RESULTS', 'DEMO_ROOT', 'QUICK_DEMO_ROOT',
    'DEMO_CONFIGS', 'DEMO_TEACHER_CFG', 'DEMO_STUDENT_CFG', 'DEMO_HGD_CFG',
    'DEMO_TEACHER_RUN',
    'SETTINGS_CONFIGS', 'SETTINGS_WORK_ROOT', 'SETTINGS'
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
#: Where the demo trains, and where every study keeps the main pair's
#: teacher (``teacher/teacher.pth``: the mini distillation configs' default
#: ``teacher_ckpt``); quick (test-sized) runs keep theirs apart, so they
#: never replace the real one.
DEMO_ROOT = osp.join(REPO, 'work_dirs', 'demo')
QUICK_DEMO_ROOT = osp.join(REPO, 'work_dirs', 'demo_quick')
# `make demo`'s lighter pair (configs/mini/demo/), which it trains in fp32:
# the main pair's plain student distilled from a half-width teacher, on
# shorter schedules, so that the demo runs from nothing within 15 minutes on
# 2 cores in fp32 too (in bf16 the demo trains the main pair). Its teacher is
# trained into DEMO_ROOT/DEMO_TEACHER_RUN, beside the main pair's
# (DEMO_ROOT/teacher): the two never replace each other.
DEMO_CONFIGS = osp.join(MINI_CONFIGS, 'demo')
DEMO_TEACHER_CFG = osp.join(DEMO_CONFIGS, 'retinanet_r18-w32_fpn64_mini.py')
DEMO_STUDENT_CFG = osp.join(DEMO_CONFIGS, 'retinanet_r18-w16_fpn64_mini.py')
DEMO_HGD_CFG = osp.join(DEMO_CONFIGS,
                        'hgd_retina_r18-w32_retina_r18-w16_mini.py')
DEMO_TEACHER_RUN = 'demo_teacher'

# The benchmark settings beyond the main and the heterogeneous pair
# (configs/mini/settings/<setting>/): per setting, its configs by role
# (teacher, plain student, and one per distiller). Each teacher is cached in
# its own work root, SETTINGS_WORK_ROOT/<setting> (teacher_run's
# ``work_root``: the checkpoint is <work root>/teacher/teacher.pth, the
# default ``teacher_ckpt`` of the setting's distillation configs);
# `resnet-mobilenetv2` distils from the teacher of `retinanet-depth` (same
# config, same work root).
SETTINGS_CONFIGS = osp.join(MINI_CONFIGS, 'settings')
SETTINGS_WORK_ROOT = osp.join(REPO, 'work_dirs', 'settings')

_RETINA = osp.join(SETTINGS_CONFIGS, 'retinanet-depth')
_FASTER = osp.join(SETTINGS_CONFIGS, 'faster-rcnn-depth')
_FCOS = osp.join(SETTINGS_CONFIGS, 'fcos-depth')
_MBV2 = osp.join(SETTINGS_CONFIGS, 'resnet-mobilenetv2')
#: setting -> its config paths by role (teacher, student, hgd, pkd, cwd, mgd)
#: and ``work_root``, where its teacher is cached.
SETTINGS = {
    'retinanet-depth': dict(
        teacher=osp.join(_RETINA, 'retinanet_r34-w32_fpn64_mini.py'),
        student=osp.join(_RETINA, 'retinanet_r18-w32_fpn64_mini.py'),
        hgd=osp.join(_RETINA, 'hgd_retina_r34-w32_retina_r18-w32_mini.py'),
        pkd=osp.join(_RETINA, 'pkd_fpn_retina_r34-w32_retina_r18-w32_mini.py'),
        cwd=osp.join(_RETINA, 'cwd_fpn_retina_r34-w32_retina_r18-w32_mini.py'),
        mgd=osp.join(_RETINA, 'mgd_fpn_retina_r34-w32_retina_r18-w32_mini.py'),
        work_root=osp.join(SETTINGS_WORK_ROOT, 'retinanet-depth')),
    'faster-rcnn-depth': dict(
        teacher=osp.join(_FASTER, 'faster-rcnn_r34-w32_fpn64_mini.py'),
        student=osp.join(_FASTER, 'faster-rcnn_r18-w32_fpn64_mini.py'),
        hgd=osp.join(_FASTER,
                     'hgd_faster-rcnn_r34-w32_faster-rcnn_r18-w32_mini.py'),
        pkd=osp.join(
            _FASTER,
            'pkd_fpn_faster-rcnn_r34-w32_faster-rcnn_r18-w32_mini.py'),
        cwd=osp.join(
            _FASTER,
            'cwd_fpn_faster-rcnn_r34-w32_faster-rcnn_r18-w32_mini.py'),
        mgd=osp.join(
            _FASTER,
            'mgd_fpn_faster-rcnn_r34-w32_faster-rcnn_r18-w32_mini.py'),
        work_root=osp.join(SETTINGS_WORK_ROOT, 'faster-rcnn-depth')),
    'fcos-depth': dict(
        teacher=osp.join(_FCOS, 'fcos_r34-w32_fpn64_mini.py'),
        student=osp.join(_FCOS, 'fcos_r18-w32_fpn64_mini.py'),
        hgd=osp.join(_FCOS, 'hgd_fcos_r34-w32_fcos_r18-w32_mini.py'),
        pkd=osp.join(_FCOS, 'pkd_fpn_fcos_r34-w32_fcos_r18-w32_mini.py'),
        cwd=osp.join(_FCOS, 'cwd_fpn_fcos_r34-w32_fcos_r18-w32_mini.py'),
        mgd=osp.join(_FCOS, 'mgd_fpn_fcos_r34-w32_fcos_r18-w32_mini.py'),
        work_root=osp.join(SETTINGS_WORK_ROOT, 'fcos-depth')),
    # The teacher of retinanet-depth (its config and cached checkpoint; its
    # key too, SHARED_TEACHERS).
    'resnet-mobilenetv2': dict(
        teacher=osp.join(_RETINA, 'retinanet_r34-w32_fpn64_mini.py'),
        student=osp.join(_MBV2, 'retinanet_mobilenetv2_fpn64_mini.py'),
        hgd=osp.join(_MBV2, 'hgd_retina_r34-w32_retina_mobilenetv2_mini.py'),
        pkd=osp.join(_MBV2,
                     'pkd_fpn_retina_r34-w32_retina_mobilenetv2_mini.py'),
        cwd=osp.join(_MBV2,
                     'cwd_fpn_retina_r34-w32_retina_mobilenetv2_mini.py'),
        mgd=osp.join(_MBV2,
                     'mgd_fpn_retina_r34-w32_retina_mobilenetv2_mini.py'),
        work_root=osp.join(SETTINGS_WORK_ROOT, 'retinanet-depth')),
}
#: setting -> the setting whose teacher it distils from (same teacher config
#: and work root): its teacher's cache key is that setting's, which names
#: that setting's student backbones (``study.prepare_setting``).
SHARED_TEACHERS = {'resnet-mobilenetv2': 'retinanet-depth'}
