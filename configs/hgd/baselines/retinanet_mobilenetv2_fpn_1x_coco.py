# Plain RetinaNet with a MobileNetV2 backbone, COCO, 1x: the student of
# ../hgd_retina_r50_retina_mobilenetv2_1x_coco.py, and its baseline when
# trained alone with this config (mmdet has no RetinaNet-MobileNetV2 config or
# checkpoint).
#
# mmdet's retinanet_r50_fpn_1x_coco with the backbone replaced by mmdet's
# MobileNetV2, ImageNet-pretrained (open-mmlab://mmdet/mobilenet_v2, the
# checkpoint mmdet's yolov3_mobilenetv2 config starts from). That checkpoint
# was trained on RGB input with the torchvision mean/std, which the inherited
# data_preprocessor uses: the R-50 teacher of the HGD config therefore sees
# the input normalised exactly as it was trained.
# out_indices=(1, 2, 4, 6): strides 4, 8, 16, 32 with 24, 32, 96, 320
# channels, the same strides as ResNet's C2-C5. BN statistics frozen
# (norm_eval=True) as in mmdet's ResNet detectors at 2 images per GPU.
# Schedule: mmdet's RetinaNet 1x, SGD lr 0.01, momentum 0.9, weight decay
# 1e-4 at a total batch of 16 = 8 GPUs x 2 images.
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'

model = dict(
    _scope_='mmdet',
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.0,
        out_indices=(1, 2, 4, 6),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        act_cfg=dict(type='ReLU6'),
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://mmdet/mobilenet_v2')),
    neck=dict(in_channels=[24, 32, 96, 320]))

# 8 GPUs x 2 images = total batch 16, SGD lr 0.01 (inherited).
auto_scale_lr = dict(enable=False, base_batch_size=16)
