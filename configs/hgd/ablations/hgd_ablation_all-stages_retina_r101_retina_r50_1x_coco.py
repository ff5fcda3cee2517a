# Ablation of hgd_retina_r101_retina_r50_1x_coco.py: distil the backbone
# stages C2-C5 too (through 1x1 connectors), their weight decaying to 0 by
# cosine over training; the default distils the FPN levels only. Everything
# else is the full config's.
_base_ = ['../hgd_retina_r101_retina_r50_1x_coco.py']

model = dict(
    distiller=dict(
        stages='all',
        macro=dict(group_schedules=dict(backbone=dict(decay='cosine')))))
