# Ablation on the mini setting: balanced macro re-weighting (each stage loss
# divided by its running mean; the default is fixed 1/K stage weights).
# Everything else is configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(macro=dict(mode='balanced')))
