# Ablation of hgd_retina_r101_retina_r50_1x_coco.py: the hands-on term of the
# imitation loss switched off (gamma=0: the feature term alone; the default
# adds each raw channel's spatial distribution, gamma=1). Everything else is
# the full config's.
_base_ = ['../hgd_retina_r101_retina_r50_1x_coco.py']

model = dict(distiller=dict(loss=dict(gamma=0.0)))
