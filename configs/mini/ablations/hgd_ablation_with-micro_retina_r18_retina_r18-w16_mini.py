# Ablation on the mini setting: micro re-weighting switched on (scale-normalised
# foreground, teacher-attention background; the default weighs positions
# uniformly). Everything else is configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(micro=dict()))
