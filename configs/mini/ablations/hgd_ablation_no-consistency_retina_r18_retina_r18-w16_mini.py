# Ablation on the mini setting: no consistency normalisation (raw features
# compared; on by default). Everything else is
# configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(normalization='none'))
