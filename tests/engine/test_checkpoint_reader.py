"""hgd_mm.engine.checkpoint_reader: the one reader of the teacher loader and
the student converter; each caller's fix appears in the messages."""
import os

import pytest
import torch

from hgd_mm.engine.checkpoint_reader import (CheckpointReadError,
                                             read_checkpoint)
from hgd_mm.engine.teacher_checkpoint import (TeacherCheckpointError,
                                              read_checkpoint as read_teacher)
from hgd_mm.model_converters.kd_to_student import (ConversionError,
                                                   load_checkpoint)


class RunsCode:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mknod, (self.marker, ))


def test_reads_a_checkpoint_with_numpy_meta(tmp_path):
    import numpy as np
    path = tmp_path / 'ok.pth'
    torch.save({'state_dict': {'w': torch.ones(2)},
                'meta': {'seed': np.int64(3)}}, path)
    checkpoint = read_checkpoint(str(path))
    assert torch.equal(checkpoint['state_dict']['w'], torch.ones(2))
    assert checkpoint['meta']['seed'] == 3


def test_both_callers_get_the_same_checks_with_their_own_fix(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(CheckpointReadError, match='does not exist. FIX'):
        read_checkpoint(missing, fix='FIX')
    with pytest.raises(TeacherCheckpointError,
                       match="teacher_ckpt .* does not exist. Set model"):
        read_teacher(missing)
    with pytest.raises(ConversionError,
                       match='does not exist. Pass the .pth that'):
        load_checkpoint(missing)

    marker = tmp_path / 'code_ran'
    evil = tmp_path / 'evil.pth'
    torch.save({'meta': RunsCode(str(marker))}, evil)
    for read, error in ((read_teacher, TeacherCheckpointError),
                        (load_checkpoint, ConversionError)):
        with pytest.raises(error, match='refused to load .*could run code'):
            read(str(evil))
    assert not marker.exists()
