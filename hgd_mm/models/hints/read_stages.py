"""Which backbone stages a teacher's neck reads, and the student stage of
each one's stride: what the hint modules guide."""
from typing import List, Sequence

from torch import nn

from ..stages import Stage

__all__ = ['neck_input_slots', 'student_stages_for']


def neck_input_slots(neck: nn.Module, num_inputs: int) -> List[int]:
    """The backbone outputs a neck reads: an FPN reads ``start_level`` to
    ``backbone_end_level``; any other neck is taken to read them all."""
    start = getattr(neck, 'start_level', None)
    end = getattr(neck, 'backbone_end_level', None)
    if isinstance(start, int) and isinstance(end, int):
        return list(range(start, end))
    return list(range(num_inputs))


def student_stages_for(owner: str, student_stages: Sequence[Stage],
                       teacher_stages: Sequence[Stage],
                       slots: Sequence[int]) -> List[Stage]:
    """For each teacher backbone output in ``slots``, the student backbone
    stage of its stride; a clear error naming ``owner`` where the student
    has no stage of that stride."""
    by_stride = {s.stride: s for s in student_stages}
    missing = [teacher_stages[i] for i in slots
               if teacher_stages[i].stride not in by_stride]
    if missing:
        raise ValueError(
            f'{owner}: the teacher neck reads backbone outputs of strides '
            f'{[t.stride for t in missing]} that no student backbone stage '
            f'has (student strides {sorted(by_stride)}). Give the student '
            f'backbone those out_indices, or leave hints off.')
    return [by_stride[teacher_stages[i].stride] for i in slots]
