# Plain student of the mini setting `resnet-mobilenetv2`: the baseline every
# distiller must beat. RetinaNet, MobileNetV2 (widen_factor 1.0; 24/32/96/320 channels at strides
# 4-32, the ResNet-34's 32-256), the same 64-channel FPN and head as the
# teacher: across network families
# (_base_/models/mini_settings_retinanets.py). The 6-epoch schedule of the mini
# students; the distillation configs of this folder train exactly this model.
_base_ = [
    '../../_base_/models/mini_settings_retinanets.py',
    '../../_base_/mini_coco_detection.py',
    '../../_base_/schedule_mini.py', '../../_base_/mini_runtime.py'
]
model = {{_base_.retina_mobilenetv2}}
