# The heterogeneous mini pair (student FPN 16 channels, teacher's 64) under
# FpnTeacherDistill: configs/mini/heterogeneous/ add their distillers.
_base_ = ['./fpn_teacher_distill_mini.py']
model = dict(architecture={{_base_.student_narrow}})
