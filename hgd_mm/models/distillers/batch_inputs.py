"""The batch a distillation step saw, as the student's root recorder holds
it: the input tensor and the ground-truth boxes."""
from typing import List, Tuple

import torch
from mmdet.structures.bbox import get_box_tensor

from mmrazor.models.task_modules import RecorderManager

__all__ = ['INPUTS', 'INPUTS_RECORDER', 'recorded_batch', 'gt_boxes_of']

#: Name of the recorder of the student's root inputs. The student is
#: called as student(batch_inputs, data_samples, mode): its root's
#: positional inputs carry the ground truth.
INPUTS = 'hgd_inputs'
INPUTS_RECORDER = dict(type='ModuleInputs', source='')


def recorded_batch(recorders: RecorderManager) -> Tuple[torch.Tensor, list]:
    """(batch inputs, data samples) of the last student forward."""
    inputs = recorders.get_recorder(INPUTS)
    return inputs.get_record_data(0, 0), inputs.get_record_data(0, 1)


def gt_boxes_of(data_samples) -> List[torch.Tensor]:
    """Per-image (N, 4) xyxy ground-truth boxes of mmdet ``DetDataSample``s
    (``gt_instances`` only: crowd boxes are in ``ignored_instances``)."""
    return [
        get_box_tensor(sample.gt_instances.bboxes).reshape(-1, 4)
        for sample in data_samples
    ]
