# What every distillation config of the mini setting `resnet-mobilenetv2`
# shares: FpnTeacherDistill over the teacher
# ../../retinanet-depth/retinanet_r34-w32_fpn64_mini.py (the teacher of setting
# `retinanet-depth`, the same config and checkpoint) and the plain student
# (../retinanet_mobilenetv2_fpn64_mini.py), with FPN recorders for the MMRazor
# peers (configs/mini/_base_/peer_distillers_mini.py); the HGD config replaces
# the distiller with its one line. The teacher is read from its own cached
# checkpoint, under the work root work_dirs/settings/retinanet-depth
# (hgd_mm_dev.mini.paths.SETTINGS).
_base_ = ['../retinanet_mobilenetv2_fpn64_mini.py']
mini_teacher_ckpt = 'work_dirs/settings/retinanet-depth/teacher/teacher.pth'
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='FpnTeacherDistill',
    architecture={{_base_.retina_mobilenetv2}},
    teacher={{_base_.retina_r34}},
    teacher_ckpt=mini_teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck'))))
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
