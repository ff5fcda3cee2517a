# HGD: Faster R-CNN R-101 (teacher) -> Faster R-CNN R-50 (student), VOC0712.
#
# Teacher: Faster R-CNN R-101 FPN trained on VOC0712 by you first: mmdet's
#   model zoo has no R-101 VOC checkpoint. Command and output path:
#   ./baselines/faster-rcnn_r101_fpn_1x_voc0712.py; teacher_ckpt below is that
#   path, relative to the directory you train from (the repository root).
# Student: mmdet's pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py, unchanged
#   (ImageNet R-50).
# Data, metric and schedule: mmdet's VOC0712 recipe (VOC2007+2012 trainval
#   repeated 3 times, 4 epochs, lr x0.1 after epoch 3; VOC2007 test, VOC mAP);
#   SGD lr 0.01, momentum 0.9, weight decay 1e-4 at a total batch of 16 =
#   8 GPUs x 2 images. See ./_base_/voc0712_faster-rcnn.py.
# Stages: HGD distils the FPN levels P2-P6, 5 pairs by stride (stages='all'
#   adds the backbone's C2-C5: 9).
_base_ = [
    './_base_/voc0712_faster-rcnn.py', './_base_/hgd_fpn_teacher_distill.py'
]

teacher_ckpt = _base_.voc_teacher_ckpt

model = dict(
    _base_.hgd_algorithm,
    architecture=dict(
        cfg_path='mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py',
        pretrained=False),
    teacher=_base_.faster_rcnn_r101_voc,
    teacher_ckpt=teacher_ckpt)
val_cfg = _base_.hgd_val_cfg

# 8 GPUs x 2 images = total batch 16, SGD lr 0.01 (mmdet's VOC recipe).
auto_scale_lr = dict(enable=False, base_batch_size=16)
