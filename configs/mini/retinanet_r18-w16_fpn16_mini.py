# Plain student of the mini setting: the baseline every distiller must beat.
# The distillation configs train exactly this model with the same data and
# schedule (see _base_/models/mini_retinanets.py).
_base_ = [
    './_base_/models/mini_retinanets.py', './_base_/mini_coco_detection.py',
    './_base_/schedule_mini.py', './_base_/mini_runtime.py'
]
model = {{_base_.student}}
