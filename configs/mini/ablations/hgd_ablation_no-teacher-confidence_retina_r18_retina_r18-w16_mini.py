# Ablation on the mini setting: the micro weights follow the boxes alone
# (teacher_share=0, HGD v2's weights; by default half of their guided part
# follows the teacher head's confidence). Everything else is
# configs/mini/hgd_retina_r18_retina_r18-w16_mini.py.
_base_ = ['../hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(distiller=dict(micro=dict(teacher_share=0.0)))
