# Teacher of the mini setting `fcos-depth`: FCOS (anchor-free) on a
# ResNet-34 with 32 base channels, 64-channel FPN P3-P7
# (_base_/models/mini_settings_fcos.py), from its pre-trained backbone,
# trained alone for 10 epochs as the main pair's teacher
# (_base_/schedule_teacher_mini.py). The distillation configs read it from
# work_dirs/settings/fcos-depth/teacher/teacher.pth.
_base_ = [
    '../../_base_/models/mini_settings_fcos.py',
    '../../_base_/mini_coco_detection.py',
    '../../_base_/schedule_teacher_mini.py', '../../_base_/mini_runtime.py'
]
model = {{_base_.fcos_r34}}
