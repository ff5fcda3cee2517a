# HGD on the mini setting: one line switches it on
# (distiller=dict(type='HGDDistiller')); everything else is the plain
# student's config.
_base_ = ['./retinanet_r18-w16_fpn16_mini.py']
custom_imports = dict(imports=['hgd_mm'], allow_failed_imports=False)
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='FpnTeacherDistill',
    architecture={{_base_.student}},
    teacher={{_base_.teacher}},
    teacher_ckpt={{_base_.mini_teacher_ckpt}},
    distiller=dict(type='HGDDistiller'))
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
