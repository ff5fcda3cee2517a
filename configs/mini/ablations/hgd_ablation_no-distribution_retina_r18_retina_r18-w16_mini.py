# Ablation on the mini setting: the hands-on term of the imitation loss
# switched off (gamma=0: no channel-distribution term, the feature term
# alone; on by default). Everything else is
# configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(loss=dict(gamma=0.0)))
