_base_ = ['mmdet::_base_/default_runtime.py']
# hgd_mm registers the HGD components and CPUAmpOptimWrapper (schedule).
custom_imports = dict(imports=['hgd_mm'], allow_failed_imports=False)
default_hooks = dict(
    # A first progress line (with its ETA) within seconds of the start.
    logger=dict(type='LoggerHook', interval=5),
    # hgd_mm's CheckpointHook: crash-safe writes (docs/reliability.md).
    checkpoint=dict(
        type='AtomicCheckpointHook', interval=1, max_keep_ckpts=2))
# The teacher of a distillation config is given as a checkpoint of the
# teacher config; the benchmarks (tools/benchmarks/) train the main pair's to
# this path. `make demo` trains its own, lighter teacher beside it
# (configs/mini/demo/, work_dirs/demo/demo_teacher/).
mini_teacher_ckpt = 'work_dirs/demo/teacher/teacher.pth'
# Stop on a non-finite total loss before a checkpoint is written, never
# saving NaN weights (max_nonfinite=N skips N such iterations first).
custom_hooks = [dict(type='NonFiniteLossHook', max_nonfinite=0)]
# What tools/train.py and tools/test.py say when the generated data or the
# pre-trained backbones are missing (hgd_mm.engine.input_check).
missing_files_hint = (
    'The mini setting makes its own data and backbones: `make demo` makes '
    'the data (data/mini_coco) and its own pair\'s backbones '
    '(work_dirs/mini_pretrained), `python tools/misc/make_mini_dataset.py '
    'data/mini_coco` the data and `python '
    'tools/misc/pretrain_mini_backbone.py CONFIG` the backbone of CONFIG; '
    'the benchmarks make what they need; set HGD_MINI_DATA / '
    'HGD_MINI_PRETRAINED if they are elsewhere (now '
    '{{$HGD_MINI_DATA:data/mini_coco/}} and '
    '{{$HGD_MINI_PRETRAINED:work_dirs/mini_pretrained/}}).')
