# The teachers' schedule: twice as long as the students' (10 epochs, lr step
# at 8), as configs/mini/retinanet_r18_fpn64_mini.py trains the main pair's
# teacher; the students keep the 6-epoch schedule of ./schedule_mini.py.
_base_ = ['./schedule_mini.py']
max_epochs = 10
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[8], gamma=0.1)
]
