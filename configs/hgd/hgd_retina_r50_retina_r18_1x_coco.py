# HGD: RetinaNet R-50 (teacher) -> RetinaNet R-18 (student), COCO, 1x.
#
# Teacher: mmdet's retinanet_r50_fpn_2x_coco and its model-zoo checkpoint
#   (listed in mmdet's configs/retinanet/metafile.yml).
# Student: mmdet's retinanet_r18_fpn_1x_coco, unchanged (ImageNet R-18).
# Data, schedule and runtime: the student's own mmdet config (inherited),
#   1x = 12 epochs, steps at 8 and 11, 500-iteration warm-up; SGD lr 0.01,
#   momentum 0.9, weight decay 1e-4 at a total batch of 16 = 8 GPUs x 2
#   images (mmdet's retinanet_r18_fpn_1x_coco recipe).
# Stages: HGD distils the FPN levels P3-P7, 5 pairs by stride, all 256
#   channels on both sides (stages='all' adds the backbone's C2-C5, 64-512
#   channels mapped by the connectors to the teacher's 256-2048: 9).
_base_ = [
    'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py',
    './_base_/hgd_fpn_teacher_distill.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_r50_fpn_2x_coco/retinanet_r50_fpn_2x_coco_20200131-fdb43119.pth'  # noqa: E501

model = dict(
    _base_.hgd_algorithm,
    architecture=dict(
        cfg_path='mmdet::retinanet/retinanet_r18_fpn_1x_coco.py',
        pretrained=False),
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_r50_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt)
val_cfg = _base_.hgd_val_cfg
