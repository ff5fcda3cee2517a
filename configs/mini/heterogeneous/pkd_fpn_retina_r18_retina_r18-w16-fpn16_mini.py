# MMRazor's PKD on the heterogeneous mini pair (student FPN 16 ch, teacher's
# 64 ch), written the way MMRazor writes it: ConfigurableDistiller, FPN
# recorders, PKDLoss, loss_weight 6 as in MMRazor's
# pkd_fpn_mask-rcnn_swin_retina_r50_2x_coco.py, all 5 levels. The widths
# differ, so a 1x1 ConvModuleConnector per level maps 16 -> 64 channels
# (MMRazor's PKD pairs 256-ch FPNs and needs none). PKD was the best peer
# with a connector on the former mini setting (README).
_base_ = ['../_base_/fpn_teacher_distill_narrow_mini.py']
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
            f'loss_pkd_fpn{i}': dict(type='PKDLoss', loss_weight=6)
            for i in range(levels)
        },
        loss_forward_mappings={
            f'loss_pkd_fpn{i}': dict(
                preds_S=dict(from_student=True, recorder='fpn', data_idx=i,
                             connector=f'fpn{i}'),
                preds_T=dict(from_student=False, recorder='fpn', data_idx=i))
            for i in range(levels)
        }))
