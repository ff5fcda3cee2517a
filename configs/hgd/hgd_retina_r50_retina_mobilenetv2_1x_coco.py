# HGD across network families: RetinaNet R-50 (teacher) -> RetinaNet
# MobileNetV2 (student), COCO, 1x.
#
# Teacher: mmdet's retinanet_r50_fpn_2x_coco and its model-zoo checkpoint
#   (listed in mmdet's configs/retinanet/metafile.yml).
# Student: ./baselines/retinanet_mobilenetv2_fpn_1x_coco.py (mmdet's RetinaNet
#   with mmdet's ImageNet-pretrained MobileNetV2; mmdet ships no such config).
#   Both detectors normalise the input the same way (RGB, torchvision
#   mean/std), so the teacher sees what it was trained on.
# Schedule: mmdet's RetinaNet 1x, SGD lr 0.01, momentum 0.9, weight decay 1e-4
#   at a total batch of 16 = 8 GPUs x 2 images (inherited from the student).
# Stages: HGD distils the FPN levels P3-P7 (256 channels on both sides), 5
#   pairs by stride; stages='all' adds MobileNetV2 stages 1/2/4/6
#   (24/32/96/320 channels, strides 4-32), paired with the teacher's C2-C5
#   (256-2048 channels) by stride: 9.
_base_ = [
    './baselines/retinanet_mobilenetv2_fpn_1x_coco.py',
    './_base_/hgd_fpn_teacher_distill.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_r50_fpn_2x_coco/retinanet_r50_fpn_2x_coco_20200131-fdb43119.pth'  # noqa: E501

model = dict(
    _base_.hgd_algorithm,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_r50_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt)
val_cfg = _base_.hgd_val_cfg
