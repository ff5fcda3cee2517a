# The HGD options of every config in configs/hgd (one place, so that the
# detector pairs are compared with the same distiller). Each value is
# HGDDistiller's default except the w(t) warm-up; the ablations in
# ../ablations/ switch one mechanism each. The defaults were chosen on the
# embedded mini setting (see the top-level README); they were not tuned on
# COCO or VOC: no such run was made by this project (see ../README.md).
hgd_distiller = dict(
    type='HGDDistiller',
    # every backbone output and every neck level, paired by stride
    # (ablation fpn-only: stages='neck')
    stages='all',
    # per-channel standardisation over the batch of both sides before
    # comparing (ablation no-consistency: normalization='none')
    normalization='batch_channel_std',
    # hands-on imitation: alpha * feature term + gamma * attention term; the
    # attention term is off by default (ablation with-attention: gamma=1)
    loss=dict(alpha=1.0, gamma=0.0, tau=0.5),
    # micro re-weighting inside a feature map: off by default, every position
    # weighs the same (ablation with-micro: micro=dict(...))
    micro=None,
    # macro re-weighting across stages: fixed, equal 1/K
    # (ablation balanced-macro: mode='balanced')
    macro=dict(mode='fixed'),
    # total weight w(t) over training: 15 (PKD's total strength, see
    # HGDDistiller), linear warm-up over the same 500 iterations as the
    # learning rate, then constant
    schedule=dict(loss_weight=15.0, warmup_iters=500, decay='constant'))
