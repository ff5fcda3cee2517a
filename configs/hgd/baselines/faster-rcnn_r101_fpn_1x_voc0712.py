# Plain Faster R-CNN R-101 FPN on VOC0712: the teacher of the VOC HGD configs.
# mmdet's model zoo has no R-101 VOC model, so train it first (from the
# repository root):
#   tools/dist_train.sh \
#       configs/hgd/baselines/faster-rcnn_r101_fpn_1x_voc0712.py 8
# It writes work_dirs/faster-rcnn_r101_fpn_1x_voc0712/epoch_4.pth, the
# teacher_ckpt of ../hgd_faster-rcnn_r101_faster-rcnn_*_voc0712.py.
# mmdet's pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py with an ImageNet R-101
# (see ../_base_/voc0712_faster-rcnn.py): 4 epochs of the 3x-repeated
# VOC0712 trainval, SGD lr 0.01 at a total batch of 16 = 8 GPUs x 2 images.
_base_ = ['../_base_/voc0712_faster-rcnn.py']

model = {{_base_.faster_rcnn_r101_voc}}
