# FitNets (hints: L2 on features) as MMRazor writes it
# (configs/distill/mmcls/fitnets): L2Loss(loss_weight=10, normalize=True) after
# a ConvModuleConnector with BN. MMRazor's FitNets config is for
# classification backbones; here the hints are the 5 FPN levels (64 -> 64 ch).
_base_ = ['../_base_/fpn_teacher_distill_mini.py']
levels = 5
model = dict(
    distiller=dict(
        connectors={
            f'fpn{i}': dict(type='ConvModuleConnector', in_channel=64,
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
