# Ablation on the mini setting: the attention term of the hands-on
# imitation loss switched on (1 - cos of raw spatial maps, gamma=1; off by
# default). Everything else is
# configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(loss=dict(gamma=1.0)))
