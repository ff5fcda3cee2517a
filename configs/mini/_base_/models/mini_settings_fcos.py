# The FCOS detectors of the mini setting `fcos-depth`
# (configs/mini/settings/fcos-depth/): mmdet's FCOS with its improvements
# (mmdet::fcos/
# fcos_r50-caffe_fpn_gn-head-center-normbbox-centeronreg-giou_1x_coco.py:
# centre sampling, normalised box targets, centre-ness on the regression
# branch, GIoU loss) shrunk for 160 px images and 6 classes:
#   fcos_r34: teacher, ResNet-34 with 32 base channels
#   fcos_r18: student, ResNet-18 at the same width (depth-reduced at equal
#             width: every backbone stage has its teacher's channels)
# Both: a 64-channel FPN P3-P7 (extra levels on P5's output, as mmdet's), a
# head of 2 GN convs per branch (mmdet's: 4 of 256 channels), and regression
# ranges halved (P3 up to 32 px, ... P7 from 256 px), as the RetinaNets'
# anchors are (octave_base_scale=2 for mmdet's 4): the mini set's objects are
# 8 to ~130 px. Backbones in the pytorch style with the main pair's input
# normalisation (mmdet's FCOS uses caffe ResNets), so that they start from
# the same pre-trained checkpoints as the other settings' ResNets.
_base_ = ['./mini_backbones.py']
num_classes = 6
fpn_channels = 64


def _fcos(backbone, in_channels):
    return dict(
        _scope_='mmdet',
        type='FCOS',
        data_preprocessor={{_base_.mini_data_preprocessor}},
        backbone=backbone,
        neck=dict(
            type='FPN',
            in_channels=in_channels,
            out_channels=fpn_channels,
            start_level=1,
            add_extra_convs='on_output',
            num_outs=5,
            relu_before_extra_convs=True),
        bbox_head=dict(
            type='FCOSHead',
            num_classes=num_classes,
            in_channels=fpn_channels,
            stacked_convs=2,
            feat_channels=fpn_channels,
            strides=[8, 16, 32, 64, 128],
            regress_ranges=((-1, 32), (32, 64), (64, 128), (128, 256),
                            (256, 1e8)),
            norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),
            norm_on_bbox=True,
            centerness_on_reg=True,
            center_sampling=True,
            center_sample_radius=1.5,
            conv_bias=True,
            loss_cls=dict(
                type='FocalLoss',
                use_sigmoid=True,
                gamma=2.0,
                alpha=0.25,
                loss_weight=1.0),
            loss_bbox=dict(type='GIoULoss', loss_weight=1.0),
            loss_centerness=dict(
                type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
        test_cfg=dict(
            nms_pre=1000,
            min_bbox_size=0,
            score_thr=0.05,
            nms=dict(type='nms', iou_threshold=0.6),
            max_per_img=100))


fcos_r34 = _fcos({{_base_.resnet34}}, {{_base_.resnet_channels}})
fcos_r18 = _fcos({{_base_.resnet18}}, {{_base_.resnet_channels}})
