# HGD: RetinaNet R-101 (teacher) -> RetinaNet R-50 (student), COCO, 1x.
#
# Teacher: mmdet's retinanet_r101_fpn_2x_coco and its model-zoo checkpoint
#   (the URL below, listed in mmdet's configs/retinanet/metafile.yml).
# Student: mmdet's retinanet_r50_fpn_1x_coco, unchanged: its R-50 starts from
#   ImageNet (torchvision://resnet50, the init_cfg of mmdet's config).
# Data, schedule and runtime: the student's own mmdet config (inherited),
#   1x = 12 epochs, lr steps at 8 and 11, 500-iteration linear warm-up; SGD
#   lr 0.01, momentum 0.9, weight decay 1e-4 at a total batch of 16 = 8 GPUs
#   x 2 images. For another total batch, scale lr linearly
#   (tools/train.py --auto-scale-lr, base_batch_size=16).
# Stages: HGD distils the FPN levels P3-P7, 5 pairs by stride (stages='all'
#   adds the backbone's C2-C5: 9, see ./ablations/).
#
# HGD algorithm and options: ./_base_/hgd_fpn_teacher_distill.py (shared by
# every config here; the ablations in ./ablations/ switch one mechanism each).
_base_ = [
    'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py',
    './_base_/hgd_fpn_teacher_distill.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_r101_fpn_2x_coco/retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth'  # noqa: E501

model = dict(
    _base_.hgd_algorithm,
    architecture=dict(
        cfg_path='mmdet::retinanet/retinanet_r50_fpn_1x_coco.py',
        pretrained=False),
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt)
val_cfg = _base_.hgd_val_cfg
