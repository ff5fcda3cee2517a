# Ablation of hgd_retina_r101_retina_r50_1x_coco.py: no consistency
# normalisation; the aligned student and the teacher are compared raw
# (normalization='none'; the connectors then get a bias). Everything else is
# the full config's.
_base_ = ['../hgd_retina_r101_retina_r50_1x_coco.py']

model = dict(distiller=dict(normalization='none'))
