# Plain student of the mini setting `retinanet-depth`: the baseline every
# distiller must beat. RetinaNet on a ResNet-18 as wide as the teacher's
# ResNet-34 (32 base channels), with the same 64-channel FPN and head: every
# backbone stage has its teacher's channels (depth-reduced at equal width, as
# COCO's R101 -> R50) (_base_/models/mini_settings_retinanets.py). The
# 6-epoch schedule of the mini students; the distillation configs of this
# folder train exactly this model.
_base_ = [
    '../../_base_/models/mini_settings_retinanets.py',
    '../../_base_/mini_coco_detection.py',
    '../../_base_/schedule_mini.py', '../../_base_/mini_runtime.py'
]
model = {{_base_.retina_r18}}
