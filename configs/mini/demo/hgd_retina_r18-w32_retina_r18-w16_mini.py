# HGD of `make demo`: the demo's plain student
# (./retinanet_r18-w16_fpn64_mini.py: the mini setting's, 4 epochs)
# distilled from the demo's half-width teacher
# (./retinanet_r18-w32_fpn64_mini.py), which tools/demo.py trains into
# work_dirs/demo/demo_teacher/. Everything else is the main pair's HGD
# config (../hgd_retina_r18_retina_r18-w16_mini.py), whose full-width
# teacher the benchmarks train into work_dirs/demo/teacher/.
_base_ = [
    '../hgd_retina_r18_retina_r18-w16_mini.py', './_base_/demo_schedules.py'
]
model = dict(
    architecture={{_base_.demo_student}},
    teacher={{_base_.demo_teacher}},
    teacher_ckpt='work_dirs/demo/demo_teacher/teacher.pth')
max_epochs = {{_base_.demo_student_epochs}}
train_cfg = {{_base_.demo_student_train_cfg}}
param_scheduler = {{_base_.demo_student_param_scheduler}}
