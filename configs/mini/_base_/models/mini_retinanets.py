# The detectors of the embedded mini setting, as variables so that the plain
# configs and every distillation config use exactly the same models.
#   teacher:        RetinaNet, ResNet-18, 64-channel FPN P3-P7, 2 head convs
#   student:        the same detector on a quarter-width backbone (ResNet-18
#                   with 16 base channels); FPN and head as wide as the
#                   teacher's, as on COCO (R101 -> R50 share 256-channel FPNs)
#   student_narrow: the heterogeneous pair's student: quarter-width backbone,
#                   16-channel FPN, 1 head conv (connectors matter here)
#   demo_teacher:   `make demo`'s teacher (configs/mini/demo/): the teacher
#   demo_student    at half the backbone width (32 base channels), same FPN
#                   and head; and the student; both with backbones of their
#                   own (pre-trained shorter, under <pretrained_root>demo/),
#                   so that the demo runs from nothing within 15 minutes on
#                   2 cores in fp32 too
# Every backbone starts from weights pre-trained on the mini data, as COCO
# detectors start from ImageNet (dev/hgd_mm_dev/mini/pretrain.py; made by
# `python tools/misc/pretrain_mini_backbone.py CONFIG`, or by `make demo` and
# the benchmarks, under HGD_MINI_PRETRAINED, default
# work_dirs/mini_pretrained/). Anchors start at 16 px (octave_base_scale=2)
# for the mini set's small objects.
num_classes = 6
pretrained_root = '{{$HGD_MINI_PRETRAINED:work_dirs/mini_pretrained/}}'


def _retinanet(base_channels, fpn_channels, head_convs, backbone_file=None):
    return dict(
        _scope_='mmdet',
        type='RetinaNet',
        data_preprocessor=dict(
            type='DetDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True,
            pad_size_divisor=32),
        backbone=dict(
            type='ResNet',
            depth=18,
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
                checkpoint=pretrained_root + (
                    backbone_file or f'resnet18-w{base_channels}.pth'))),
        neck=dict(
            type='FPN',
            in_channels=[base_channels * 2**i for i in range(4)],
            out_channels=fpn_channels,
            start_level=1,
            add_extra_convs='on_input',
            num_outs=5),
        bbox_head=dict(
            type='RetinaHead',
            num_classes=num_classes,
            in_channels=fpn_channels,
            stacked_convs=head_convs,
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


teacher = _retinanet(base_channels=64, fpn_channels=64, head_convs=2)
student = _retinanet(base_channels=16, fpn_channels=64, head_convs=2)
student_narrow = _retinanet(base_channels=16, fpn_channels=16, head_convs=1)
demo_teacher = _retinanet(base_channels=32, fpn_channels=64, head_convs=2,
                          backbone_file='demo/resnet18-w32.pth')
demo_student = _retinanet(base_channels=16, fpn_channels=64, head_convs=2,
                          backbone_file='demo/resnet18-w16.pth')
