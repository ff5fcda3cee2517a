# Ablation of hgd_retina_r101_retina_r50_1x_coco.py: the micro weights follow
# the ground-truth boxes alone (teacher_share=0, HGD v2's weights; the default
# gives half of their guided part to the teacher head's confidence per
# position). Everything else is the full config's.
_base_ = ['../hgd_retina_r101_retina_r50_1x_coco.py']

model = dict(distiller=dict(micro=dict(teacher_share=0.0)))
