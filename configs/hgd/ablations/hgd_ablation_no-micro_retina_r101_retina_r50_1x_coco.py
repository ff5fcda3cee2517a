# Ablation of hgd_retina_r101_retina_r50_1x_coco.py: micro re-weighting
# switched off (every position weighs the same; the default mixes the plain
# mean with box-guided weights). Everything else is the full config's.
_base_ = ['../hgd_retina_r101_retina_r50_1x_coco.py']

# _delete_ is not needed: None replaces the base's dict.
model = dict(distiller=dict(micro=None))
