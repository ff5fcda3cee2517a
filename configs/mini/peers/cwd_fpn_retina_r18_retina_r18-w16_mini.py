# MMRazor's CWD (ChannelWiseDivergence, configs/distill/mmdet/cwd) on the mini
# setting: FPN recorders, tau=1, loss_weight=10 as in MMRazor's config.
# Scaled to this setting: a 1x1 ConvModuleConnector per level maps the 16-ch
# student FPN to the teacher's 64 ch (MMRazor pairs 256-ch FPNs, needs none).
_base_ = ['../_base_/fpn_teacher_distill_mini.py']
levels = 5
model = dict(
    distiller=dict(
        connectors={
            f'fpn{i}': dict(type='ConvModuleConnector', in_channel=16,
                            out_channel=64, kernel_size=1, norm_cfg=None,
                            act_cfg=None)
            for i in range(levels)
        },
        distill_losses={
            f'loss_cwd_fpn{i}': dict(type='ChannelWiseDivergence', tau=1,
                                     loss_weight=10)
            for i in range(levels)
        },
        loss_forward_mappings={
            f'loss_cwd_fpn{i}': dict(
                preds_S=dict(from_student=True, recorder='fpn', data_idx=i,
                             connector=f'fpn{i}'),
                preds_T=dict(from_student=False, recorder='fpn', data_idx=i))
            for i in range(levels)
        }))
