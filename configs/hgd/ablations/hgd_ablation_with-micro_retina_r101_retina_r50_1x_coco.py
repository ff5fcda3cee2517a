# Ablation of hgd_retina_r101_retina_r50_1x_coco.py: micro re-weighting
# switched on (scale-normalised foreground, teacher-attention-weighted
# background; the default weighs every position the same).
# Everything else is the full config's.
_base_ = ['../hgd_retina_r101_retina_r50_1x_coco.py']

# _delete_: the base sets micro=None, which a dict cannot be merged into.
model = dict(distiller=dict(micro=dict(_delete_=True, fg_weight=1.0,
                                      bg_weight=0.5)))
