# HGD on the mini setting `resnet-mobilenetv2`: one line switches it on
# (distiller=dict(type='HGDDistiller'), its defaults: every FPN level, paired
# by stride); everything else is the plain student's config.
# The FPN levels of both are 64 channels wide; with stages='all' the
# backbone stages (other channels) go through HGD's 1x1 connectors.
_base_ = ['./_base_/fpn_teacher_distill.py']
model = dict(distiller=dict(_delete_=True, type='HGDDistiller'))
