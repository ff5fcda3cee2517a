# Ablation of hgd_fpn_retina_r101_retina_r50_1x_coco.py: no micro
# re-weighting; every position of a feature map weighs the same (micro=None).
# Everything else is the full config's.
_base_ = ['../hgd_fpn_retina_r101_retina_r50_1x_coco.py']

model = dict(distiller=dict(micro=None))
