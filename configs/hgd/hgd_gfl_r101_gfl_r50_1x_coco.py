# HGD: GFL R-101 (teacher) -> GFL R-50 (student), COCO, 1x.
#
# Teacher: mmdet's gfl_r101_fpn_ms-2x_coco (multi-scale 2x) and its model-zoo
#   checkpoint (listed in mmdet's configs/gfl/metafile.yml); the pair
#   MMRazor's CWD uses for GFL.
# Student: mmdet's gfl_r50_fpn_1x_coco, unchanged (ImageNet R-50).
# Data, schedule and runtime: the student's own mmdet config (inherited),
#   1x = 12 epochs, steps at 8 and 11, 500-iteration warm-up; SGD lr 0.01,
#   momentum 0.9, weight decay 1e-4 at a total batch of 16 = 8 GPUs x 2
#   images (mmdet's GFL recipe). Single-scale training, as the student's own
#   config.
# Stages: HGD distils the FPN levels P3-P7, 5 pairs by stride
#   (stages='all' adds the backbone's C2-C5: 9).
_base_ = [
    'mmdet::gfl/gfl_r50_fpn_1x_coco.py', './_base_/hgd_fpn_teacher_distill.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/gfl/gfl_r101_fpn_mstrain_2x_coco/gfl_r101_fpn_mstrain_2x_coco_20200629_200126-dd12f847.pth'  # noqa: E501

model = dict(
    _base_.hgd_algorithm,
    architecture=dict(
        cfg_path='mmdet::gfl/gfl_r50_fpn_1x_coco.py', pretrained=False),
    teacher=dict(
        cfg_path='mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py', pretrained=False),
    teacher_ckpt=teacher_ckpt)
val_cfg = _base_.hgd_val_cfg
