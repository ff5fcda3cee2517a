"""Guidance beyond the stage pairs, stage group ``hint`` of the distiller.

A hint module is built with ``student_stages``, ``teacher_stages`` (the
backbone outputs) and ``slots`` (those the teacher's neck reads); it names
its terms (``term_keys``), says which normalisation it compares with
(``compares``: ``'neck'`` or ``'backbone'``) and returns one loss per term.
"""
from .review_hints import AttentionFusion, ReviewHints
from .read_stages import neck_input_slots, student_stages_for
from .teacher_neck_hints import TeacherNeckHints

__all__ = [
    'TeacherNeckHints', 'ReviewHints', 'AttentionFusion', 'neck_input_slots',
    'student_stages_for'
]
