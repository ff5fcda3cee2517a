# MMRazor's PKD (configs/distill/mmdet/pkd) on the mini pair, as MMRazor
# ships it: ConfigurableDistiller, FPN recorders, PKDLoss on all 5 levels of
# the equally wide (64-ch) FPNs, no connector; loss_weight 6 as in MMRazor's
# pkd_fpn_mask-rcnn_swin_retina_r50_2x_coco.py.
_base_ = ['../_base_/fpn_teacher_distill_mini.py']
levels = 5
model = dict(
    distiller=dict(
        distill_losses={
            f'loss_pkd_fpn{i}': dict(type='PKDLoss', loss_weight=6)
            for i in range(levels)
        },
        loss_forward_mappings={
            f'loss_pkd_fpn{i}': dict(
                preds_S=dict(from_student=True, recorder='fpn', data_idx=i),
                preds_T=dict(from_student=False, recorder='fpn', data_idx=i))
            for i in range(levels)
        }))
