# Ablation on the mini setting: consistency standardisation per image over
# H x W (the former default) instead of over the batch as well.
# Everything else is configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(normalization='channel_std'))
