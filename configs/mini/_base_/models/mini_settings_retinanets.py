# The RetinaNets of the mini benchmark settings (configs/mini/settings/):
#   retina_r34:         teacher of `retinanet-depth` and `resnet-mobilenetv2`:
#                       ResNet-34 with 32 base channels
#   retina_r18:         student of `retinanet-depth`: ResNet-18 at the same
#                       width, so every backbone stage has its teacher's
#                       channels (depth-reduced at equal width, as COCO's
#                       R101 -> R50)
#   retina_mobilenetv2: student of `resnet-mobilenetv2`: MobileNetV2 (other
#                       channels at every stage: HGD's connectors map them)
# All three: a 64-channel FPN P3-P7 and the head of the main pair
# (_base_/models/mini_retinanets.py: 2 head convs, anchors from 16 px), so
# the FPN levels of teacher and student have the same width.
_base_ = ['./mini_backbones.py']
num_classes = 6
fpn_channels = 64


def _retinanet(backbone, in_channels):
    return dict(
        _scope_='mmdet',
        type='RetinaNet',
        data_preprocessor={{_base_.mini_data_preprocessor}},
        backbone=backbone,
        neck=dict(
            type='FPN',
            in_channels=in_channels,
            out_channels=fpn_channels,
            start_level=1,
            add_extra_convs='on_input',
            num_outs=5),
        bbox_head=dict(
            type='RetinaHead',
            num_classes=num_classes,
            in_channels=fpn_channels,
            stacked_convs=2,
            feat_channels=fpn_channels,
            anchor_generator=dict(
                type='AnchorGenerator',
                octave_base_scale=2,
                scales_per_octave=3,
                ratios=[0.5, 1.0, 2.0],
                strides=[8, 16, 32, 64, 128]),
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[.0, .0, .0, .0],
                target_stds=[1.0, 1.0, 1.0, 1.0]),
            loss_cls=dict(
                type='FocalLoss',
                use_sigmoid=True,
                gamma=2.0,
                alpha=0.25,
                loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
        train_cfg=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.4,
                min_pos_iou=0,
                ignore_iof_thr=-1),
            sampler=dict(type='PseudoSampler'),
            allowed_border=-1,
            pos_weight=-1,
            debug=False),
        test_cfg=dict(
            nms_pre=1000,
            min_bbox_size=0,
            score_thr=0.05,
            nms=dict(type='nms', iou_threshold=0.5),
            max_per_img=100))


retina_r34 = _retinanet({{_base_.resnet34}}, {{_base_.resnet_channels}})
retina_r18 = _retinanet({{_base_.resnet18}}, {{_base_.resnet_channels}})
retina_mobilenetv2 = _retinanet({{_base_.mobilenetv2}},
                                {{_base_.mobilenetv2_channels}})
