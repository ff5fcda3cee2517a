# Ablation on the mini setting: HGD on the FPN levels only (no backbone stages).
# Everything else is configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(stages='neck'))
