# Ablation of hgd_retina_r101_retina_r50_1x_coco.py: the attention term of
# the hands-on imitation loss switched on (gamma=1; the default is the feature
# term alone). Everything else is the full config's.
_base_ = ['../hgd_retina_r101_retina_r50_1x_coco.py']

model = dict(distiller=dict(loss=dict(gamma=1.0)))
