# Teacher of the mini setting, trained alone (see _base_/models/mini_retinanets.py).
_base_ = [
    './_base_/models/mini_retinanets.py', './_base_/mini_coco_detection.py',
    './_base_/schedule_mini.py', './_base_/mini_runtime.py'
]
model = {{_base_.teacher}}
