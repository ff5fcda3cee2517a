# Ablation of hgd_retina_r101_retina_r50_1x_coco.py: distil the FPN levels
# only (P3-P7, as FGD/PKD/CWD do), not the backbone stages C2-C5. Everything
# else is the full config's.
_base_ = ['../hgd_retina_r101_retina_r50_1x_coco.py']

model = dict(distiller=dict(stages='neck'))
