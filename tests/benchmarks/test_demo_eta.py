"""The demo's overall ETA: from its first second, then paced by this
machine's speed on the stages done, from the recorded demo of the same
precision."""
import json

import pytest

from hgd_mm_dev.benchmarks import demo

RECORDED = {'mini dataset': 30.0, 'pre-trained backbones': 150.0,
            'teacher': 300.0, 'plain and HGD students': 240.0}


def test_first_line_gives_the_recorded_wall_time():
    line = demo.eta_line(0, 0.0, RECORDED)
    assert line.startswith('[demo] 1/5 mini dataset; elapsed 0.0 min')
    assert line.endswith('about 12 min')  # 720 s


def test_later_lines_scale_by_the_pace_so_far():
    # twice the recorded pace on the first two stages: twice the rest
    line = demo.eta_line(2, 2 * (30.0 + 150.0), RECORDED)
    assert line.startswith('[demo] 3/5 teacher; elapsed 6.0 min')
    assert line.endswith(f'about {2 * (300 + 240) / 60:.0f} min')  # 18


def test_no_recorded_demo_says_so():
    line = demo.eta_line(1, 60.0, None)
    assert line == ('[demo] 2/5 pre-trained backbones; elapsed 1.0 min, no '
                    'ETA (no recorded demo of this precision)')


@pytest.mark.parametrize('precision', ['bf16', 'fp32'])
def test_recorded_stages_read_the_recorded_demo(precision, tmp_path,
                                                monkeypatch):
    path = tmp_path / f'{precision}.json'
    monkeypatch.setitem(demo.RECORDED, precision, str(path))
    assert demo.recorded_stages(precision) is None  # not recorded yet
    path.write_text(json.dumps(dict(wall_s=1.0, stage_s={'teacher': 1.0})))
    assert demo.recorded_stages(precision) is None  # other stages
    path.write_text(json.dumps(dict(wall_s=720.0, stage_s=RECORDED)))
    assert demo.recorded_stages(precision) == RECORDED


def test_the_committed_demos_pace_the_eta():
    for precision in demo.RECORDED:
        stages = demo.recorded_stages(precision)
        assert stages is not None, precision
        assert sum(stages.values()) == pytest.approx(json.load(open(
            demo.RECORDED[precision]))['wall_s'])
