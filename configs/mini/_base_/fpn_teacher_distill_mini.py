# What every distillation config of the mini setting shares: FpnTeacherDistill
# over the mini teacher and student. The MMRazor peers add their connectors,
# losses and loss_forward_mappings to this ConfigurableDistiller with FPN
# recorders; the HGD config replaces the distiller with its one line.
_base_ = ['../retinanet_r18-w16_fpn64_mini.py']
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
