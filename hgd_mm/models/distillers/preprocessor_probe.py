"""Whether teacher and student normalise their inputs alike: the teacher is
fed the student's batch, so a teacher trained with another mean, std or
channel order sees inputs it was not trained on."""
import warnings
from typing import Optional

import torch
from mmengine.model import ImgDataPreprocessor
from torch import nn

__all__ = ['PROBE_PIXELS', 'normalized_probe', 'warn_on_mismatch']

# Two BGR pixels whose channels all differ: a different mean, std or channel
# order in a data preprocessor changes what it makes of them.
PROBE_PIXELS = ((0, 100, 200), (255, 30, 60))


def normalized_probe(model: nn.Module) -> Optional[torch.Tensor]:
    """What a detector's image data preprocessor makes of ``PROBE_PIXELS``
    (mean, std and channel order at work), or None if it has none."""
    preprocessor = getattr(model, 'data_preprocessor', None)
    if not isinstance(preprocessor, ImgDataPreprocessor):
        return None
    # (3, 1, 2) uint8 BGR image, as a loading pipeline hands it over.
    image = torch.tensor(PROBE_PIXELS, dtype=torch.uint8).t()[:, None, :]
    with torch.no_grad():
        batch = preprocessor(dict(inputs=[image]), False)['inputs']
    return batch[0, :, :1, :2].cpu()  # without the padding


def warn_on_mismatch(student: Optional[torch.Tensor],
                     teacher: Optional[torch.Tensor]) -> None:
    """Warn when the two probes (:func:`normalized_probe`) differ."""
    if student is None or teacher is None or torch.equal(student, teacher):
        return
    warnings.warn(
        f'HGD: teacher and student normalise inputs differently (mean, '
        f'std or BGR/RGB order of their data_preprocessor): the BGR '
        f'pixels {PROBE_PIXELS} become {student.flatten(1).t().tolist()} '
        f'for the student, {teacher.flatten(1).t().tolist()} for the '
        f'teacher. The teacher is fed the student\'s batch, so it sees '
        f'inputs it was not trained on. Give both the same '
        f'data_preprocessor (the teacher\'s, if it is pretrained).')
