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
# Stages: MobileNetV2 stages 1/2/4/6 (24/32/96/320 channels, strides 4-32)
#   pair with the teacher's C2-C5 (256-2048 channels) by stride, and FPN
#   P3-P7 with P3-P7: 9 pairs.
_base_ = [
    './baselines/retinanet_mobilenetv2_fpn_1x_coco.py',
    './_base_/hgd_distiller.py'
]
custom_imports = dict(imports=['hgd_mm'], allow_failed_imports=False)

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_r50_fpn_2x_coco/retinanet_r50_fpn_2x_coco_20200131-fdb43119.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='FpnTeacherDistill',
    architecture={{_base_.model}},
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_r50_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller={{_base_.hgd_distiller}})

# As in MMRazor's detection distillation configs.
find_unused_parameters = True

val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
