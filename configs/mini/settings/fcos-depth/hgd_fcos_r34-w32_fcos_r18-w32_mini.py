# HGD on the mini setting `fcos-depth`: one line switches it on
# (distiller=dict(type='HGDDistiller'), its defaults: every FPN level, paired
# by stride); everything else is the plain student's config.
_base_ = ['./_base_/fpn_teacher_distill.py']
model = dict(distiller=dict(_delete_=True, type='HGDDistiller'))
