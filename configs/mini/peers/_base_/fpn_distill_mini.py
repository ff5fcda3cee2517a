# What every MMRazor peer on the mini setting shares: FpnTeacherDistill over
# the mini teacher and student, with recorders on both FPNs. Each peer config
# adds its connectors, losses and loss_forward_mappings.
_base_ = ['../../retinanet_r18-w16_fpn16_mini.py']
custom_imports = dict(imports=['hgd_mm'], allow_failed_imports=False)
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='FpnTeacherDistill',
    architecture={{_base_.student}},
    teacher={{_base_.teacher}},
    teacher_ckpt={{_base_.mini_teacher_ckpt}},
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck'))))
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
