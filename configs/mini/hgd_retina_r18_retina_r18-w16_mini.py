# HGD on the mini setting: one line switches it on
# (distiller=dict(type='HGDDistiller')); everything else is the plain
# student's config (through the shared FpnTeacherDistill base).
_base_ = ['./_base_/fpn_teacher_distill_mini.py']
model = dict(distiller=dict(_delete_=True, type='HGDDistiller'))
