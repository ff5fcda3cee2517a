"""Which checkpoint --resume continues from (hgd_mm/engine/resume.py)."""
import os

import pytest
import torch

import hgd_mm  # noqa: F401
from hgd_mm.engine import resume as resume_module
from hgd_mm.engine.resume import (ResumeError, resolve_resume_checkpoint,
                                  resume_candidates)


@pytest.fixture
def warnings_seen(monkeypatch):
    seen = []
    monkeypatch.setattr(resume_module, 'print_log',
                        lambda msg, **kwargs: seen.append(msg))
    return seen


def checkpoint(path, epoch, mtime, truncated=False):
    torch.save({'state_dict': {'w': torch.full((100,), float(epoch))},
                'meta': {'epoch': epoch}}, str(path))
    if truncated:
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2])
    os.utime(path, (mtime, mtime))
    return str(path)


def point_at(work_dir, path):
    (work_dir / 'last_checkpoint').write_text(str(path))


def test_truncated_newest_falls_back_to_the_newest_that_loads(
        tmp_path, warnings_seen):
    checkpoint(tmp_path / 'epoch_1.pth', 1, 1000)
    second = checkpoint(tmp_path / 'epoch_2.pth', 2, 2000)
    third = checkpoint(tmp_path / 'epoch_3.pth', 3, 3000, truncated=True)
    point_at(tmp_path, third)
    assert resolve_resume_checkpoint('auto', str(tmp_path)) == second
    (warning,) = warnings_seen
    assert third in warning and second in warning
    assert 'cannot be loaded' in warning


def test_every_checkpoint_unloadable_is_an_error_naming_each(
        tmp_path, warnings_seen):
    first = checkpoint(tmp_path / 'epoch_1.pth', 1, 1000, truncated=True)
    second = tmp_path / 'epoch_2.pth'
    second.write_bytes(b'')
    point_at(tmp_path, second)
    with pytest.raises(ResumeError, match='none of the checkpoints') as info:
        resolve_resume_checkpoint('auto', str(tmp_path))
    assert first in str(info.value) and str(second) in str(info.value)
    assert 'without --resume' in str(info.value)


def test_empty_work_dir_starts_from_scratch_with_a_warning(
        tmp_path, warnings_seen):
    (tmp_path / '20250101_000000').mkdir()  # a log folder, no checkpoint
    assert resolve_resume_checkpoint('auto', str(tmp_path)) is None
    (warning,) = warnings_seen
    assert 'from scratch' in warning


def test_pointer_to_a_missing_file_falls_back(tmp_path, warnings_seen):
    first = checkpoint(tmp_path / 'epoch_1.pth', 1, 1000)
    point_at(tmp_path, tmp_path / 'epoch_2.pth')
    assert resolve_resume_checkpoint('auto', str(tmp_path)) == first
    assert 'no such file' in warnings_seen[0]


def test_checkpoint_completed_after_the_pointer_is_newest(tmp_path):
    # Killed between renaming epoch_2.pth and updating last_checkpoint.
    first = checkpoint(tmp_path / 'epoch_1.pth', 1, 1000)
    second = checkpoint(tmp_path / 'epoch_2.pth', 2, 2000)
    point_at(tmp_path, first)
    assert resume_candidates(str(tmp_path)) == [second, first]
    assert resolve_resume_checkpoint('auto', str(tmp_path)) == second


def test_stale_checkpoint_of_an_earlier_run_is_not_preferred(tmp_path):
    # epoch_12.pth of an older run in the same work dir; a new run wrote
    # epoch_1.pth since: the pointer's file is newer.
    checkpoint(tmp_path / 'epoch_12.pth', 12, 1000)
    first = checkpoint(tmp_path / 'epoch_1.pth', 1, 2000)
    point_at(tmp_path, first)
    assert resolve_resume_checkpoint('auto', str(tmp_path)) == first


def test_temporary_files_and_other_names_are_not_candidates(tmp_path):
    first = checkpoint(tmp_path / 'epoch_1.pth', 1, 1000)
    (tmp_path / '.epoch_2.pth.0123abcd.tmp').write_bytes(b'half')
    (tmp_path / 'teacher.pth').write_bytes(b'')
    assert resume_candidates(str(tmp_path)) == [first]


def test_explicit_checkpoint_must_load(tmp_path):
    good = checkpoint(tmp_path / 'a.pth', 1, 1000)
    bad = checkpoint(tmp_path / 'b.pth', 2, 1000, truncated=True)
    assert resolve_resume_checkpoint(good, str(tmp_path)) == good
    with pytest.raises(ResumeError, match='cannot be loaded'):
        resolve_resume_checkpoint(bad, str(tmp_path))
    with pytest.raises(FileNotFoundError, match='no such checkpoint file'):
        resolve_resume_checkpoint(str(tmp_path / 'c.pth'), str(tmp_path))
