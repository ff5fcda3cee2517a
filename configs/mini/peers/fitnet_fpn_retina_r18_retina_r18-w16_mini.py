# FitNets (hints: L2 on features) as MMRazor writes it
# (configs/distill/mmcls/fitnets): L2Loss(loss_weight=10, normalize=True) after
# a ConvModuleConnector with BN. MMRazor's FitNets config is for
# classification backbones; here the hints are the 5 FPN levels (16 -> 64 ch).
_base_ = ['../retinanet_r18-w16_fpn16_mini.py']
custom_imports = dict(imports=['hgd_mm'], allow_failed_imports=False)
levels = 5
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
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        connectors={
            f'fpn{i}': dict(type='ConvModuleConnector', in_channel=16,
                            out_channel=64, norm_cfg=dict(type='BN'))
            for i in range(levels)
        },
        distill_losses={
            f'loss_fitnet_fpn{i}': dict(type='L2Loss', loss_weight=10)
            for i in range(levels)
        },
        loss_forward_mappings={
            f'loss_fitnet_fpn{i}': dict(
                s_feature=dict(from_student=True, recorder='fpn', data_idx=i,
                               connector=f'fpn{i}'),
                t_feature=dict(from_student=False, recorder='fpn', data_idx=i))
            for i in range(levels)
        }))
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
