# Plain student of `make demo`: the mini setting's student
# (../retinanet_r18-w16_fpn64_mini.py), trained 4 epochs instead of 6, from
# a backbone pre-trained 4 epochs instead of 8 (./_base_/demo_schedules.py).
_base_ = ['../retinanet_r18-w16_fpn64_mini.py', './_base_/demo_schedules.py']
model = {{_base_.demo_student}}
max_epochs = {{_base_.demo_student_epochs}}
train_cfg = {{_base_.demo_student_train_cfg}}
param_scheduler = {{_base_.demo_student_param_scheduler}}
