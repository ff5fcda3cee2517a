# What every distillation config of the mini setting `faster-rcnn-depth`
# shares: FpnTeacherDistill over the teacher
# ../faster-rcnn_r34-w32_fpn64_mini.py and the plain student
# (../faster-rcnn_r18-w32_fpn64_mini.py), with FPN recorders for the MMRazor
# peers (configs/mini/_base_/peer_distillers_mini.py); the HGD config replaces
# the distiller with its one line. The teacher is read from its own cached
# checkpoint, under the work root work_dirs/settings/faster-rcnn-depth
# (hgd_mm_dev.mini.paths.SETTINGS).
_base_ = ['../faster-rcnn_r18-w32_fpn64_mini.py']
mini_teacher_ckpt = 'work_dirs/settings/faster-rcnn-depth/teacher/teacher.pth'
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='FpnTeacherDistill',
    architecture={{_base_.faster_rcnn_r18}},
    teacher={{_base_.faster_rcnn_r34}},
    teacher_ckpt=mini_teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck'))))
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
