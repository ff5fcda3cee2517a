# MMRazor's MGD (configs/distill/mmdet/mgd) on the mini pair: FPN outputs of
# the equally wide (64-ch) FPNs, MGDConnector (its generation block;
# lambda_mgd=0.65), MGDLoss.
# Scaled to this setting: MGDLoss is a *sum* over C x H x W; MMRazor's
# alpha_mgd=2e-5 is for 256-ch P3 maps of ~100x167 (1333x800 COCO images),
# ~167x more elements than our 64-ch 20x20 P3, so alpha_mgd = 2e-5 * 167.
_base_ = ['../_base_/fpn_teacher_distill_mini.py']
levels = 5
model = dict(
    distiller=dict(
        connectors={
            f'fpn{i}': dict(type='MGDConnector', student_channels=64,
                            teacher_channels=64, lambda_mgd=0.65)
            for i in range(levels)
        },
        distill_losses={
            f'loss_mgd_fpn{i}': dict(type='MGDLoss', alpha_mgd=2e-5 * 167)
            for i in range(levels)
        },
        loss_forward_mappings={
            f'loss_mgd_fpn{i}': dict(
                preds_S=dict(from_student=True, recorder='fpn', data_idx=i,
                             connector=f'fpn{i}'),
                preds_T=dict(from_student=False, recorder='fpn', data_idx=i))
            for i in range(levels)
        }))
