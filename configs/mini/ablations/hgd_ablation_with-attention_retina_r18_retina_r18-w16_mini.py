# Ablation on the mini setting: the attention term of the hands-on measure
# switched on (gamma=1; the default is the feature term alone).
# Everything else is configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(loss=dict(gamma=1.0)))
