# Ablation of hgd_retina_r101_retina_r50_1x_coco.py: fixed, equal stage
# weights 1/K instead of the default 'gap' weights (each stage scaled by its
# running loss). The total weight's schedule w(t) (500-iteration warm-up) is
# kept. Everything else is the full config's.
_base_ = ['../hgd_retina_r101_retina_r50_1x_coco.py']

model = dict(distiller=dict(macro=dict(mode='fixed')))
