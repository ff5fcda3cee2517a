# Ablation of hgd_retina_r101_retina_r50_1x_coco.py: balanced macro
# re-weighting (each stage loss divided by a detached running mean of itself)
# instead of the default fixed, equal stage weights 1/K. The total weight's
# schedule w(t) (500-iteration warm-up) is kept. Everything else is the full
# config's.
_base_ = ['../hgd_retina_r101_retina_r50_1x_coco.py']

model = dict(distiller=dict(macro=dict(mode='balanced')))
