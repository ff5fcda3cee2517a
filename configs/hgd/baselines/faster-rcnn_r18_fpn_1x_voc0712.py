# Plain Faster R-CNN R-18 FPN on VOC0712: the student of
# ../hgd_faster-rcnn_r101_faster-rcnn_r18_voc0712.py, and its baseline when
# trained alone with this config (mmdet has no R-18 VOC config).
# mmdet's pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py with an ImageNet R-18
# (see ../_base_/voc0712_faster-rcnn.py): 4 epochs of the 3x-repeated
# VOC0712 trainval, SGD lr 0.01 at a total batch of 16 = 8 GPUs x 2 images.
_base_ = ['../_base_/voc0712_faster-rcnn.py']

model = {{_base_.faster_rcnn_r18_voc}}
