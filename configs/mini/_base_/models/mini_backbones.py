# The backbones of the mini benchmark settings (configs/mini/settings/), as
# variables, so that every detector built on one of them (RetinaNet, Faster
# R-CNN, FCOS) has exactly the same backbone config and so starts from the
# same pre-trained checkpoint: dev/hgd_mm_dev/mini/pretrain.py caches the
# weights
# under a key of the backbone config, and each checkpoint file name below
# belongs to one backbone config only.
#   resnet34 / resnet18: depth-reduced at equal width (32 base channels):
#       every stage of the ResNet-18 has its ResNet-34 counterpart's channels
#       (32/64/128/256 at strides 4/8/16/32).
#   mobilenetv2: mmdet's MobileNetV2, stages 1/2/4/6 (strides 4/8/16/32) as
#       in configs/hgd/hgd_retina_r50_retina_mobilenetv2_1x_coco.py, at
#       widen_factor 0.5 (16/16/48/160 channels): its depthwise convs are
#       slow on a CPU (measured at batch 8, 160 px, one thread, forward and
#       backward under bf16 autocast: 0.69 s at widen 1.0, 0.35 s at 0.5,
#       ResNet-18 w32 0.17 s).
# Every detector of the settings normalises its input as the main pair's
# (configs/mini/_base_/models/mini_retinanets.py), so the pre-trained weights
# and the teacher see what the student sees.
pretrained_root = '{{$HGD_MINI_PRETRAINED:work_dirs/mini_pretrained/}}'
# Not named `data_preprocessor`: a top-level `data_preprocessor` is the
# Runner's default for the model, and would be given to FpnTeacherDistill too.
mini_data_preprocessor = dict(
    type='DetDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_size_divisor=32)


def _resnet(depth, base_channels):
    return dict(
        type='ResNet',
        depth=depth,
        base_channels=base_channels,
        stem_channels=base_channels,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(
            type='Pretrained',
            checkpoint=f'{pretrained_root}resnet{depth}-w{base_channels}.pth'))


resnet_width = 32
resnet_channels = [resnet_width * 2**i for i in range(4)]
resnet34 = _resnet(34, resnet_width)
resnet18 = _resnet(18, resnet_width)
mobilenetv2_widen = 0.5
mobilenetv2 = dict(
    type='MobileNetV2',
    widen_factor=mobilenetv2_widen,
    out_indices=(1, 2, 4, 6),
    frozen_stages=-1,
    norm_cfg=dict(type='BN', requires_grad=True),
    norm_eval=False,
    init_cfg=dict(
        type='Pretrained',
        checkpoint=f'{pretrained_root}mobilenetv2-x{mobilenetv2_widen}.pth'))
mobilenetv2_channels = [16, 16, 48, 160]
