# The MMRazor peers of the mini benchmark settings (configs/mini/settings/),
# as variables: what each adds to a setting's ConfigurableDistiller with FPN
# recorders (configs/mini/settings/<setting>/_base_/fpn_teacher_distill.py).
# Exactly the peers of the main pair (configs/mini/peers/: the same losses,
# weights and loss names, so that the weight sweep's --cfg-options address
# them alike; a test keeps them equal): the weights chosen on the setting
# `retinanet-depth` and the main pair travel unchanged to the other settings,
# as a user would not re-tune them per detector. Every setting has 5 FPN
# levels of 64 channels in teacher and student: no connector maps channels.
peer_fpn_levels = 5

# PKD: PKDLoss on every FPN level, loss_weight 6 (MMRazor's
# pkd_fpn_mask-rcnn_swin_retina_r50_2x_coco.py).
pkd_fpn = dict(
    distill_losses={
        f'loss_pkd_fpn{i}': dict(type='PKDLoss', loss_weight=6)
        for i in range(peer_fpn_levels)
    },
    loss_forward_mappings={
        f'loss_pkd_fpn{i}': dict(
            preds_S=dict(from_student=True, recorder='fpn', data_idx=i),
            preds_T=dict(from_student=False, recorder='fpn', data_idx=i))
        for i in range(peer_fpn_levels)
    })

# CWD: ChannelWiseDivergence, tau=1, loss_weight=10 (MMRazor's
# configs/distill/mmdet/cwd).
cwd_fpn = dict(
    distill_losses={
        f'loss_cwd_fpn{i}': dict(type='ChannelWiseDivergence', tau=1,
                                 loss_weight=10)
        for i in range(peer_fpn_levels)
    },
    loss_forward_mappings={
        f'loss_cwd_fpn{i}': dict(
            preds_S=dict(from_student=True, recorder='fpn', data_idx=i),
            preds_T=dict(from_student=False, recorder='fpn', data_idx=i))
        for i in range(peer_fpn_levels)
    })

# MGD: MGDConnector (lambda_mgd=0.65), MGDLoss with alpha_mgd scaled to the
# mini setting's FPN sizes as configs/mini/peers/mgd_fpn_*.py explains.
mgd_fpn = dict(
    connectors={
        f'fpn{i}': dict(type='MGDConnector', student_channels=64,
                        teacher_channels=64, lambda_mgd=0.65)
        for i in range(peer_fpn_levels)
    },
    distill_losses={
        f'loss_mgd_fpn{i}': dict(type='MGDLoss', alpha_mgd=2e-5 * 167)
        for i in range(peer_fpn_levels)
    },
    loss_forward_mappings={
        f'loss_mgd_fpn{i}': dict(
            preds_S=dict(from_student=True, recorder='fpn', data_idx=i,
                         connector=f'fpn{i}'),
            preds_T=dict(from_student=False, recorder='fpn', data_idx=i))
        for i in range(peer_fpn_levels)
    })
