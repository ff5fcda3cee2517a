# The Faster R-CNNs of the mini setting `faster-rcnn-depth`
# (configs/mini/settings/faster-rcnn-depth/): mmdet's Faster R-CNN
# (mmdet::_base_/models/faster-rcnn_r50_fpn.py) shrunk for 160 px images and
# 6 classes:
#   faster_rcnn_r34: teacher, ResNet-34 with 32 base channels
#   faster_rcnn_r18: student, ResNet-18 at the same width (depth-reduced at
#                    equal width: every backbone stage has its teacher's
#                    channels)
# Both: a 64-channel FPN P2-P6 (mmdet's: 256), RPN anchors from 16 px at P2
# (scales=[4]; mmdet's 8 gives 32 px, too large for the mini set's small
# objects, as the RetinaNets start at 16 px), a 256-d two-FC box head
# (mmdet's: 1024), RoIs mapped to P2-P5 from 16 px (finest_scale=16;
# mmdet's 56 sends every RoI of a 160 px image to P2), fewer proposals and
# sampled RoIs, as the images hold a few objects each (300 boxes per level
# into the RPN's NMS, 200 proposals out, 64 sampled RoIs per image; mmdet's
# 2000 / 1000 / 512: at 1000 / 300 / 128, NMS and RoIAlign took 45 % of a CPU
# training step, measured with torch.profiler).
_base_ = ['./mini_backbones.py']
num_classes = 6
fpn_channels = 64


def _faster_rcnn(backbone, in_channels):
    return dict(
        _scope_='mmdet',
        type='FasterRCNN',
        data_preprocessor={{_base_.mini_data_preprocessor}},
        backbone=backbone,
        neck=dict(
            type='FPN',
            in_channels=in_channels,
            out_channels=fpn_channels,
            num_outs=5),
        rpn_head=dict(
            type='RPNHead',
            in_channels=fpn_channels,
            feat_channels=fpn_channels,
            anchor_generator=dict(
                type='AnchorGenerator',
                scales=[4],
                ratios=[0.5, 1.0, 2.0],
                strides=[4, 8, 16, 32, 64]),
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[.0, .0, .0, .0],
                target_stds=[1.0, 1.0, 1.0, 1.0]),
            loss_cls=dict(
                type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
        roi_head=dict(
            type='StandardRoIHead',
            bbox_roi_extractor=dict(
                type='SingleRoIExtractor',
                roi_layer=dict(
                    type='RoIAlign', output_size=7, sampling_ratio=0),
                out_channels=fpn_channels,
                featmap_strides=[4, 8, 16, 32],
                finest_scale=16),
            bbox_head=dict(
                type='Shared2FCBBoxHead',
                in_channels=fpn_channels,
                fc_out_channels=256,
                roi_feat_size=7,
                num_classes=num_classes,
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder',
                    target_means=[0., 0., 0., 0.],
                    target_stds=[0.1, 0.1, 0.2, 0.2]),
                reg_class_agnostic=False,
                loss_cls=dict(
                    type='CrossEntropyLoss',
                    use_sigmoid=False,
                    loss_weight=1.0),
                loss_bbox=dict(type='L1Loss', loss_weight=1.0))),
        train_cfg=dict(
            rpn=dict(
                assigner=dict(
                    type='MaxIoUAssigner',
                    pos_iou_thr=0.7,
                    neg_iou_thr=0.3,
                    min_pos_iou=0.3,
                    match_low_quality=True,
                    ignore_iof_thr=-1),
                sampler=dict(
                    type='RandomSampler',
                    num=256,
                    pos_fraction=0.5,
                    neg_pos_ub=-1,
                    add_gt_as_proposals=False),
                allowed_border=-1,
                pos_weight=-1,
                debug=False),
            rpn_proposal=dict(
                nms_pre=300,
                max_per_img=200,
                nms=dict(type='nms', iou_threshold=0.7),
                min_bbox_size=0),
            rcnn=dict(
                assigner=dict(
                    type='MaxIoUAssigner',
                    pos_iou_thr=0.5,
                    neg_iou_thr=0.5,
                    min_pos_iou=0.5,
                    match_low_quality=False,
                    ignore_iof_thr=-1),
                sampler=dict(
                    type='RandomSampler',
                    num=64,
                    pos_fraction=0.25,
                    neg_pos_ub=-1,
                    add_gt_as_proposals=True),
                pos_weight=-1,
                debug=False)),
        test_cfg=dict(
            rpn=dict(
                nms_pre=300,
                max_per_img=200,
                nms=dict(type='nms', iou_threshold=0.7),
                min_bbox_size=0),
            rcnn=dict(
                score_thr=0.05,
                nms=dict(type='nms', iou_threshold=0.5),
                max_per_img=100)))


faster_rcnn_r34 = _faster_rcnn({{_base_.resnet34}}, {{_base_.resnet_channels}})
faster_rcnn_r18 = _faster_rcnn({{_base_.resnet18}}, {{_base_.resnet_channels}})
