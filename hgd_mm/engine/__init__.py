from .teacher_checkpoint import (TeacherCheckpointError,
                                 load_teacher_checkpoint)

__all__ = ['TeacherCheckpointError', 'load_teacher_checkpoint']
