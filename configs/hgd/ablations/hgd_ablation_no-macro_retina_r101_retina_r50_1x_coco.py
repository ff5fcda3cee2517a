# Ablation of hgd_fpn_retina_r101_retina_r50_1x_coco.py: no macro
# re-weighting across stages; fixed, equal stage weights 1/K
# (macro=dict(mode='fixed')) instead of balancing each stage by its running
# mean. The total weight's schedule w(t) (500-iteration warm-up) is kept, as
# in the full config. Everything else is the full config's.
_base_ = ['../hgd_fpn_retina_r101_retina_r50_1x_coco.py']

model = dict(distiller=dict(macro=dict(mode='fixed')))
