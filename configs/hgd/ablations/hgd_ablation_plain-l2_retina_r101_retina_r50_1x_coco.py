# Ablation of hgd_fpn_retina_r101_retina_r50_1x_coco.py: no attention term in
# the hands-on imitation loss (gamma=0), leaving the (micro-weighted) L2
# feature term. Everything else is the full config's.
_base_ = ['../hgd_fpn_retina_r101_retina_r50_1x_coco.py']

model = dict(distiller=dict(loss=dict(gamma=0.0)))
