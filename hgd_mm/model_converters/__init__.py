"""Checkpoint converters behind ``tools/model_converters/``:
``kd_to_student`` turns a distillation checkpoint (and config) into a plain
mmdet student's."""
