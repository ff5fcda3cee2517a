# Ablation on the mini setting: plain (micro-weighted) L2: no attention term of the hands-on measure.
# Everything else is configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(loss=dict(gamma=0.0)))
