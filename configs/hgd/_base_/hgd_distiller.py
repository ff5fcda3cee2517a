# The HGD options of every config in configs/hgd (one place, so that the
# detector pairs are compared with the same distiller). Each value is
# HGDDistiller's default except the w(t) warm-up; the ablations in
# ../ablations/ switch one mechanism off each. Not tuned on COCO or VOC: no
# such run was made by this project (see ../README.md).
hgd_distiller = dict(
    type='HGDDistiller',
    # every backbone output and every neck level, paired by stride
    # (ablation fpn-only: stages='neck')
    stages='all',
    # per-channel standardisation of both sides before comparing
    # (ablation no-consistency: normalization='none')
    normalization='channel_std',
    # hands-on imitation: alpha * feature term + gamma * attention term
    # (ablation plain-l2: gamma=0)
    loss=dict(alpha=1.0, gamma=1.0, tau=0.5),
    # micro re-weighting inside a feature map: scale-normalised foreground,
    # teacher-attention-weighted background (ablation no-micro: micro=None)
    micro=dict(fg_weight=1.0, bg_weight=0.5),
    # macro re-weighting across stages (ablation no-macro: mode='fixed')
    macro=dict(mode='balanced'),
    # total weight w(t) over training: linear warm-up over the same 500
    # iterations as the learning rate, then constant
    schedule=dict(loss_weight=1.0, warmup_iters=500, decay='constant'))
