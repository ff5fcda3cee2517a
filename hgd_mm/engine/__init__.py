from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .teacher_checkpoint import (TeacherCheckpointError,
                                 load_teacher_checkpoint)

__all__ = [
    'CPUAmpOptimWrapper', 'TeacherCheckpointError', 'load_teacher_checkpoint'
]
