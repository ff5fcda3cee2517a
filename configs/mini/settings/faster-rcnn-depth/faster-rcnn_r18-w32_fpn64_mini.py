# Plain student of the mini setting `faster-rcnn-depth`: the baseline every
# distiller must beat. Faster R-CNN on a ResNet-18 as wide as the teacher's
# ResNet-34 (32 base channels), with the same FPN, RPN and RoI head: every
# backbone stage has its teacher's channels
# (_base_/models/mini_settings_faster_rcnns.py). The 6-epoch schedule of the
# mini students; the distillation configs of this folder train exactly this
# model.
_base_ = [
    '../../_base_/models/mini_settings_faster_rcnns.py',
    '../../_base_/mini_coco_detection.py',
    '../../_base_/schedule_mini.py', '../../_base_/mini_runtime.py'
]
model = {{_base_.faster_rcnn_r18}}
