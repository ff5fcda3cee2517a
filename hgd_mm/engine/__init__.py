from .atomic_checkpoint import (AtomicCheckpointHook, AtomicLocalBackend,
                                CheckpointWriteError, atomic_torch_save,
                                use_atomic_checkpoints)
from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .input_check import (DatasetMissingError, LocalCfgPathError,
                          check_cfg_paths, check_dataset_files,
                          check_pretrained_checkpoints, check_teacher_inputs)
from .nonfinite_loss import (NonFiniteLossError, NonFiniteLossHook,
                             use_nonfinite_loss_guard)
from .precision import cpu_description, resolve_precision
from .resume import ResumeError, resolve_resume_checkpoint
from .teacher_checkpoint import (TeacherCheckpointError,
                                 load_teacher_checkpoint)

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'CPUAmpOptimWrapper',
    'CheckpointWriteError', 'DatasetMissingError', 'LocalCfgPathError',
    'NonFiniteLossError', 'NonFiniteLossHook', 'ResumeError',
    'TeacherCheckpointError', 'atomic_torch_save', 'check_cfg_paths',
    'check_dataset_files', 'check_pretrained_checkpoints',
    'check_teacher_inputs', 'cpu_description', 'load_teacher_checkpoint',
    'resolve_precision', 'resolve_resume_checkpoint',
    'use_atomic_checkpoints', 'use_nonfinite_loss_guard'
]
