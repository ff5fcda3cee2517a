# CPU schedule of the mini students: 6 epochs of 150 iterations (batch 8),
# AdamW, lr step at epoch 5. Backbones start pre-trained (see
# _base_/models/mini_retinanets.py), so the students converge in a few epochs,
# as COCO's 1x schedule fine-tunes ImageNet backbones.
max_epochs = 6
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[5], gamma=0.1)
]
# Mixed precision where it pays (hgd_mm's CPUAmpOptimWrapper; mmengine's
# AmpOptimWrapper refuses CPU): bf16 autocast on a CPU where it trains faster
# than fp32 (native bf16 with AMX, amx_bf16; Arm bf16), fp32 elsewhere (bf16
# emulated: many times slower; avx512_bf16 without AMX: slower too); decided
# at run time and logged
# (hgd_mm.engine.precision). HGD_MM_PRECISION=bf16|fp32 forces either.
# Distillation losses of HGD are computed in fp32 whatever the autocast.
# On a CUDA host this wrapper is mmengine's AmpOptimWrapper.
optim_wrapper = dict(
    type='CPUAmpOptimWrapper',
    optimizer=dict(type='AdamW', lr=0.001, weight_decay=0.05),
    clip_grad=dict(max_norm=35, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=8)
