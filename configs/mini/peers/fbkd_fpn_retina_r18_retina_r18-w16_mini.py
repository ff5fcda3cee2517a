# MMRazor's FBKD (configs/distill/mmdet/fbkd) on the mini setting:
# FBKDStudentConnector / FBKDTeacherConnector (reduction 4, dot_product) on
# every FPN level, FBKDLoss with MMRazor's default weights.
# Scaled to this setting (equally wide 64-ch FPNs): no sub-sampling
# (MMRazor max-pools COCO's ~100x167 P3 by 8; our P3 is 20x20); all 5
# levels (MMRazor: the first 4).
_base_ = ['../_base_/fpn_teacher_distill_mini.py']
levels = 5
model = dict(
    distiller=dict(
        connectors={
            **{
                f's_fpn{i}': dict(type='FBKDStudentConnector', in_channels=64,
                                  reduction=4, mode='dot_product',
                                  sub_sample=False)
                for i in range(levels)
            },
            **{
                f't_fpn{i}': dict(type='FBKDTeacherConnector', in_channels=64,
                                  reduction=4, mode='dot_product',
                                  sub_sample=False)
                for i in range(levels)
            }
        },
        distill_losses={
            # MMRazor's default weight, stated so that the tuning study can
            # scale it (--cfg-options ...loss_weight=...).
            f'loss_fbkd_fpn{i}': dict(type='FBKDLoss', loss_weight=1.0)
            for i in range(levels)
        },
        loss_forward_mappings={
            f'loss_fbkd_fpn{i}': dict(
                s_input=dict(from_student=True, recorder='fpn', data_idx=i,
                             connector=f's_fpn{i}'),
                t_input=dict(from_student=False, recorder='fpn', data_idx=i,
                             connector=f't_fpn{i}'))
            for i in range(levels)
        }))
