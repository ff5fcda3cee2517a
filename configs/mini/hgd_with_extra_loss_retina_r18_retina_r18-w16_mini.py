# HGD plus an MMRazor loss of your own in the same distiller: the recorders,
# connectors, losses and loss_forward_mappings are those a
# ConfigurableDistiller takes, and are computed beside HGD's stage losses.
# Here: MMRazor's L2Loss between the student's and the teacher's P3, through
# a ConvModuleConnector on the student side.
_base_ = ['./hgd_retina_r18_retina_r18-w16_mini.py']
model = dict(
    distiller=dict(
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        connectors=dict(
            loss_l2_p3_sfeat=dict(
                type='ConvModuleConnector', in_channel=64, out_channel=64,
                norm_cfg=dict(type='BN'))),
        distill_losses=dict(loss_l2_p3=dict(type='L2Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_l2_p3=dict(
                s_feature=dict(from_student=True, recorder='fpn', data_idx=0,
                               connector='loss_l2_p3_sfeat'),
                t_feature=dict(from_student=False, recorder='fpn',
                               data_idx=0)))))
