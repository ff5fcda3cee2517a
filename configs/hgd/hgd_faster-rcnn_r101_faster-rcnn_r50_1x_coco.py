# HGD: Faster R-CNN R-101 (teacher) -> Faster R-CNN R-50 (student), COCO, 1x.
#
# Teacher: mmdet's faster-rcnn_r101_fpn_2x_coco and its model-zoo checkpoint
#   (listed in mmdet's configs/faster_rcnn/metafile.yml).
# Student: mmdet's faster-rcnn_r50_fpn_1x_coco, unchanged (ImageNet R-50).
# Data, schedule and runtime: the student's own mmdet config (inherited),
#   1x = 12 epochs, steps at 8 and 11, 500-iteration warm-up; SGD lr 0.02,
#   momentum 0.9, weight decay 1e-4 at a total batch of 16 = 8 GPUs x 2
#   images (mmdet's Faster R-CNN recipe).
# Stages: HGD distils the FPN levels P2-P6 (start_level=0), 5 pairs by
#   stride (stages='all' adds the backbone's C2-C5: 9).
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
    './_base_/hgd_fpn_teacher_distill.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r101_fpn_2x_coco/faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-1d2dac9c.pth'  # noqa: E501

model = dict(
    _base_.hgd_algorithm,
    architecture=dict(
        cfg_path='mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
        pretrained=False),
    teacher=dict(
        cfg_path='mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt)
val_cfg = _base_.hgd_val_cfg
