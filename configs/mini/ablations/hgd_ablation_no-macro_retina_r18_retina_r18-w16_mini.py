# Ablation on the mini setting: no macro re-weighting (fixed, equal stage weights).
# Everything else is configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(macro=dict(mode='fixed')))
