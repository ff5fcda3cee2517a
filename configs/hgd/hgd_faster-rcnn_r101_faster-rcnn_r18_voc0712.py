# HGD: Faster R-CNN R-101 (teacher) -> Faster R-CNN R-18 (student), VOC0712.
#
# Teacher: as in ./hgd_faster-rcnn_r101_faster-rcnn_r50_voc0712.py, trained
#   on VOC0712 by you first (mmdet's model zoo has no R-101 VOC checkpoint):
#   tools/dist_train.sh configs/hgd/baselines/faster-rcnn_r101_fpn_1x_voc0712.py 8
# Student: ./baselines/faster-rcnn_r18_fpn_1x_voc0712.py (mmdet's VOC Faster
#   R-CNN with an ImageNet R-18; mmdet ships no such config). Train that
#   config alone for the baseline.
# Data, metric and schedule: mmdet's VOC0712 recipe; SGD lr 0.01, momentum
#   0.9, weight decay 1e-4 at a total batch of 16 = 8 GPUs x 2 images.
# Stages: HGD distils the FPN levels P2-P6 (256 channels on both sides), 5
#   pairs by stride (stages='all' adds the backbone's C2-C5, 64-512 channels
#   mapped to the teacher's 256-2048: 9).
_base_ = [
    './_base_/voc0712_faster-rcnn.py', './_base_/hgd_fpn_teacher_distill.py'
]

teacher_ckpt = _base_.voc_teacher_ckpt

model = dict(
    _base_.hgd_algorithm,
    architecture=_base_.faster_rcnn_r18_voc,
    teacher=_base_.faster_rcnn_r101_voc,
    teacher_ckpt=teacher_ckpt)
val_cfg = _base_.hgd_val_cfg

# 8 GPUs x 2 images = total batch 16, SGD lr 0.01 (mmdet's VOC recipe).
auto_scale_lr = dict(enable=False, base_batch_size=16)
