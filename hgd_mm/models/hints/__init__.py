from .teacher_neck_hints import TeacherNeckHints, neck_input_slots

__all__ = ['TeacherNeckHints', 'neck_input_slots']
