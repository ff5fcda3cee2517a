_base_ = ['mmdet::_base_/default_runtime.py']
# hgd_mm registers the HGD components and CPUAmpOptimWrapper (schedule).
custom_imports = dict(imports=['hgd_mm'], allow_failed_imports=False)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=25),
    # hgd_mm's CheckpointHook: crash-safe writes (docs/reliability.md).
    checkpoint=dict(
        type='AtomicCheckpointHook', interval=1, max_keep_ckpts=2))
# The teacher of a distillation config is given as a checkpoint of the
# teacher config; `make demo` trains it to this path.
mini_teacher_ckpt = 'work_dirs/demo/teacher/teacher.pth'
