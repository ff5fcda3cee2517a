# Teacher of the mini setting `faster-rcnn-depth`: Faster R-CNN (two-stage)
# on a ResNet-34 with 32 base channels, 64-channel FPN P2-P6
# (_base_/models/mini_settings_faster_rcnns.py), from its pre-trained
# backbone, trained alone for 10 epochs as the main pair's teacher
# (_base_/schedule_teacher_mini.py). The distillation configs read it from
# work_dirs/settings/faster-rcnn-depth/teacher/teacher.pth.
_base_ = [
    '../../_base_/models/mini_settings_faster_rcnns.py',
    '../../_base_/mini_coco_detection.py',
    '../../_base_/schedule_teacher_mini.py', '../../_base_/mini_runtime.py'
]
model = {{_base_.faster_rcnn_r34}}
