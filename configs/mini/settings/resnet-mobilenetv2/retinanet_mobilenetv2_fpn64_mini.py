# Plain student of the mini setting `resnet-mobilenetv2`: the baseline every
# distiller must beat. RetinaNet on mmdet's MobileNetV2 (widen_factor 0.5;
# 16/16/48/160 channels at strides 4-32, the ResNet-34 teacher's 32-256:
# across network families), with the teacher's 64-channel FPN and head
# (_base_/models/mini_settings_retinanets.py). The 6-epoch schedule of the
# mini students; the distillation configs of this folder train exactly this
# model.
_base_ = [
    '../../_base_/models/mini_settings_retinanets.py',
    '../../_base_/mini_coco_detection.py',
    '../../_base_/schedule_mini.py', '../../_base_/mini_runtime.py'
]
model = {{_base_.retina_mobilenetv2}}
