from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .input_check import check_teacher_inputs
from .teacher_checkpoint import (TeacherCheckpointError,
                                 load_teacher_checkpoint)

__all__ = [
    'CPUAmpOptimWrapper', 'TeacherCheckpointError', 'check_teacher_inputs',
    'load_teacher_checkpoint'
]
