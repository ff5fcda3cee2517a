# mmdet's VOC0712 Faster R-CNN setting, and its detector at the ResNet depths
# for which mmdet has no VOC config.
#
# Inherited unchanged from mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py:
# data (mmdet::_base_/datasets/voc0712.py: VOC2007+2012 trainval, repeated 3
# times; VOC2007 test), VOCMetric (mAP at IoU 0.5, 11 points), runtime, and
# the schedule: 4 epochs of the 3x-repeated set (= 12 epochs), lr x0.1 after
# epoch 3, SGD lr 0.01, momentum 0.9, weight decay 1e-4 at a total batch of
# 16 = 8 GPUs x 2 images. `model` is mmdet's R-50 VOC Faster R-CNN.
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py'


def _resnet_variant(depth, neck_in_channels):
    """mmdet's R-50 VOC Faster R-CNN with an ImageNet-pretrained ResNet of
    another depth, changed the way mmdet's own R-18/R-101 configs change
    their R-50 ones (backbone depth and init_cfg, FPN in_channels)."""
    model = _base_.model.to_dict()  # a fresh copy
    model['backbone'].update(
        depth=depth,
        init_cfg=dict(
            type='Pretrained', checkpoint=f'torchvision://resnet{depth}'))
    model['neck']['in_channels'] = neck_in_channels
    return dict(model, _scope_='mmdet')


faster_rcnn_r18_voc = _resnet_variant(18, [64, 128, 256, 512])
faster_rcnn_r101_voc = _resnet_variant(101, [256, 512, 1024, 2048])

# mmdet's model zoo has no R-101 VOC model: train the teacher first with
#   tools/dist_train.sh \
#       configs/hgd/baselines/faster-rcnn_r101_fpn_1x_voc0712.py 8
# (from the repository root), which writes this checkpoint.
voc_teacher_ckpt = 'work_dirs/faster-rcnn_r101_fpn_1x_voc0712/epoch_4.pth'
