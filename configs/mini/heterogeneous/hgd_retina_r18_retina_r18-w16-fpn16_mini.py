# HGD on the heterogeneous mini pair (student FPN 16 ch, teacher's 64 ch):
# the same one line; HGD's connectors map every stage's channels.
_base_ = ['../_base_/fpn_teacher_distill_narrow_mini.py']
model = dict(distiller=dict(_delete_=True, type='HGDDistiller'))
