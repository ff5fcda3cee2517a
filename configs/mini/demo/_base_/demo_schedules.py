# `make demo`'s schedules, shorter than the benchmarks' (teacher 10 epochs,
# students 6, backbone pre-training 8), with the same optimisers and the
# shape of the benchmark students' schedule (warm-up, one lr step by 0.1
# before the last epoch), so that the demo runs from nothing within 15
# minutes on 2 CPU cores in fp32 as well as in bf16. New names only (and
# `mini_pretrain`, which no benchmark config sets), so that this file can
# sit beside any mini config in a `_base_` list.
demo_teacher_epochs = 7
demo_student_epochs = 4
# PretrainSettings fields of the demo's backbones (dev/hgd_mm_dev/mini/
# pretrain.py; their checkpoints are their own, <pretrained_root>demo/).
mini_pretrain = dict(epochs=4)


def _schedule(epochs):
    train_cfg = dict(max_epochs=epochs, val_interval=epochs)
    param_scheduler = [
        dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
             end=100),
        dict(type='MultiStepLR', begin=0, end=epochs, by_epoch=True,
             milestones=[epochs - 1], gamma=0.1)
    ]
    return train_cfg, param_scheduler


demo_teacher_train_cfg, demo_teacher_param_scheduler = _schedule(
    demo_teacher_epochs)
demo_student_train_cfg, demo_student_param_scheduler = _schedule(
    demo_student_epochs)
