# Teacher of the mini setting, trained alone (see
# _base_/models/mini_retinanets.py), from its pre-trained backbone. It
# trains twice as long as the students (10 epochs, lr step at 8), as
# teachers usually do; the students keep the 6-epoch schedule of
# _base_/schedule_mini.py.
_base_ = [
    './_base_/models/mini_retinanets.py', './_base_/mini_coco_detection.py',
    './_base_/schedule_mini.py', './_base_/mini_runtime.py'
]
model = {{_base_.teacher}}
max_epochs = 10
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[8], gamma=0.1)
]
