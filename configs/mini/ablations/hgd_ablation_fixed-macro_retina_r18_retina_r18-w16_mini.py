# Ablation on the mini setting: fixed, equal stage weights 1/K instead of the
# default 'gap' weights (on by default). With micro=None as well this is
# PKD's loss (see tests/models/distillers); here the micro weights stay on.
# Everything else is configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(macro=dict(mode='fixed')))
