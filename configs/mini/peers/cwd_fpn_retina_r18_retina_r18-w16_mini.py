# MMRazor's CWD (ChannelWiseDivergence, configs/distill/mmdet/cwd) on the mini
# pair, as MMRazor ships it: FPN recorders of the equally wide (64-ch) FPNs,
# no connector, tau=1, loss_weight=10 as in MMRazor's config.
_base_ = ['../_base_/fpn_teacher_distill_mini.py']
levels = 5
model = dict(
    distiller=dict(
        distill_losses={
            f'loss_cwd_fpn{i}': dict(type='ChannelWiseDivergence', tau=1,
                                     loss_weight=10)
            for i in range(levels)
        },
        loss_forward_mappings={
            f'loss_cwd_fpn{i}': dict(
                preds_S=dict(from_student=True, recorder='fpn', data_idx=i),
                preds_T=dict(from_student=False, recorder='fpn', data_idx=i))
            for i in range(levels)
        }))
