# Plain student of the mini setting: the baseline every distiller must beat.
# A quarter-width ResNet-18 backbone (pre-trained on the mini data) with an
# FPN and head as wide as the teacher's, as COCO pairs are (R101 -> R50 share
# 256-channel FPNs). The distillation configs train exactly this model with
# the same data and schedule (see _base_/models/mini_retinanets.py).
_base_ = [
    './_base_/models/mini_retinanets.py', './_base_/mini_coco_detection.py',
    './_base_/schedule_mini.py', './_base_/mini_runtime.py'
]
model = {{_base_.student}}
