"""hgd_mm.training_logs.scalars: the newest run's scalars.json of a work
dir."""
import json

import pytest

from hgd_mm.training_logs import find_scalars, read_scalars


def write_run(work_dir, run_name, records):
    vis_data = work_dir / run_name / 'vis_data'
    vis_data.mkdir(parents=True)
    path = vis_data / 'scalars.json'
    path.write_text(''.join(json.dumps(r) + '\n\n' for r in records))
    return path


def test_newest_run_of_a_work_dir_is_read(tmp_path):
    write_run(tmp_path, '20260101_000000', [{'iter': 1, 'loss': 9.0}])
    newest = write_run(tmp_path, '20260102_000000',
                       [{'iter': 1, 'loss': 2.0}, {'iter': 2, 'loss': 1.0}])
    assert find_scalars(str(tmp_path)) == str(newest)
    assert find_scalars(str(newest)) == str(newest)
    assert read_scalars(str(tmp_path)) == [{'iter': 1, 'loss': 2.0},
                                           {'iter': 2, 'loss': 1.0}]


def test_missing_or_broken_logs_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        find_scalars(str(tmp_path / 'nope'))
    with pytest.raises(FileNotFoundError, match='no vis_data/scalars.json'):
        find_scalars(str(tmp_path))
    broken = write_run(tmp_path, '20260101_000000', [{'iter': 1}])
    broken.write_text('{"iter": 1}\nnot json\n')
    with pytest.raises(ValueError, match=':2 is not JSON'):
        read_scalars(str(tmp_path))
