# MMRazor's CWD on the mini setting `retinanet-depth`, as on the main pair
# (configs/mini/peers/cwd_fpn_retina_r18_retina_r18-w16_mini.py: the same
# losses and weights, from ../../_base_/peer_distillers_mini.py), on the FPN
# levels of teacher and student (both 64 channels).
_base_ = [
    './_base_/fpn_teacher_distill.py', '../../_base_/peer_distillers_mini.py'
]
model = dict(distiller={{_base_.cwd_fpn}})
