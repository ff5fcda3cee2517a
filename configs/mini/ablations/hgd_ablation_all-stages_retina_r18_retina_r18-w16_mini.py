# Ablation on the mini setting: backbone stages distilled too (through 1x1
# connectors), their weight decaying to 0 by cosine over training (FPN levels
# only by default). Everything else is
# configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(
    distiller=dict(
        stages='all',
        macro=dict(group_schedules=dict(backbone=dict(decay='cosine')))))
