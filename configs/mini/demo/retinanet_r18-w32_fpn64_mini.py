# Teacher of `make demo`'s lighter pair (tools/demo.py trains it in fp32):
# the mini setting's teacher (../retinanet_r18_fpn64_mini.py) at half the
# backbone width (ResNet-18 with 32 base channels, pre-trained on the mini
# data like every mini backbone, 4 epochs instead of 8; same 64-channel FPN
# and head), trained 7 epochs instead of 10 (./_base_/demo_schedules.py), so
# that the demo runs from nothing within 15 minutes on 2 CPU cores in fp32
# too. The benchmarks keep the full-width teacher.
_base_ = [
    '../_base_/models/mini_retinanets.py', '../_base_/mini_coco_detection.py',
    '../_base_/schedule_mini.py', '../_base_/mini_runtime.py',
    './_base_/demo_schedules.py'
]
model = {{_base_.demo_teacher}}
max_epochs = {{_base_.demo_teacher_epochs}}
train_cfg = {{_base_.demo_teacher_train_cfg}}
param_scheduler = {{_base_.demo_teacher_param_scheduler}}
