# HGD: Faster R-CNN R-101 (teacher) -> Faster R-CNN R-50 (student), COCO, 1x.
#
# Teacher: mmdet's faster-rcnn_r101_fpn_2x_coco and its model-zoo checkpoint
#   (listed in mmdet's configs/faster_rcnn/metafile.yml).
# Student: mmdet's faster-rcnn_r50_fpn_1x_coco, unchanged (ImageNet R-50).
# Schedule: mmdet's 1x (12 epochs, steps at 8 and 11, 500-iteration warm-up);
#   SGD lr 0.02, momentum 0.9, weight decay 1e-4 at a total batch of 16 =
#   8 GPUs x 2 images (mmdet's Faster R-CNN recipe).
# Stages: backbone C2-C5 and FPN P2-P6 (start_level=0): 9 pairs by stride.
_base_ = ['./hgd_retina_r101_retina_r50_1x_coco.py']

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r101_fpn_2x_coco/faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-1d2dac9c.pth'  # noqa: E501

model = dict(
    architecture=dict(
        cfg_path='mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'),
    teacher=dict(cfg_path='mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py'),
    teacher_ckpt=teacher_ckpt)

# 8 GPUs x 2 images = total batch 16, SGD lr 0.02 (mmdet's schedule_1x).
optim_wrapper = dict(optimizer=dict(lr=0.02))
