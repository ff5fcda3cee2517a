# HGD: RetinaNet R-101 (teacher) -> RetinaNet R-50 (student), COCO, 1x.
#
# Teacher: mmdet's retinanet_r101_fpn_2x_coco and its model-zoo checkpoint
#   (the URL below, listed in mmdet's configs/retinanet/metafile.yml).
# Student: mmdet's retinanet_r50_fpn_1x_coco, unchanged: its R-50 starts from
#   ImageNet (torchvision://resnet50, the init_cfg of mmdet's config).
# Schedule: the student's own mmdet recipe, 1x = 12 epochs, lr steps at 8 and
#   11, 500-iteration linear warm-up; SGD lr 0.01, momentum 0.9, weight decay
#   1e-4 at a total batch of 16 = 8 GPUs x 2 images. For another total batch,
#   scale lr linearly (tools/train.py --auto-scale-lr, base_batch_size=16).
# Stages: the student's backbone returns C2-C5 (out_indices=(0, 1, 2, 3)) and
#   its FPN P3-P7, so HGD distils all 9 (paired with the teacher's by stride).
#
# HGD options: ./_base_/hgd_distiller.py (shared by every config here; the
# ablations in ./ablations/ switch one mechanism off each).
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py', './_base_/hgd_distiller.py'
]
custom_imports = dict(imports=['hgd_mm'], allow_failed_imports=False)

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_r101_fpn_2x_coco/retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth'  # noqa: E501

model = dict(
    _scope_='mmrazor',
    type='FpnTeacherDistill',
    architecture=dict(
        cfg_path='mmdet::retinanet/retinanet_r50_fpn_1x_coco.py',
        pretrained=False),
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller={{_base_.hgd_distiller}})

# As in MMRazor's detection distillation configs.
find_unused_parameters = True

val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')

# 8 GPUs x 2 images = total batch 16, SGD lr 0.01 (mmdet's RetinaNet recipe).
train_dataloader = dict(batch_size=2)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001))
auto_scale_lr = dict(enable=False, base_batch_size=16)
