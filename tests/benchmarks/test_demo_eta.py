"""The demo's overall ETA: from its first second, then paced by this
machine's speed on the stages done."""
import pytest

from hgd_mm_dev.benchmarks import demo


def test_first_line_gives_the_recorded_wall_time():
    line = demo.eta_line(0, 0.0)
    assert line.startswith('[demo] 1/5 mini dataset; elapsed 0.0 min')
    assert line.endswith(f'about {demo.RECORDED_WALL_S / 60:.0f} min')


def test_later_lines_scale_by_the_pace_so_far():
    shares = [s for _, s in demo.STAGE_SHARES]
    assert sum(shares) == pytest.approx(1.0)
    # twice the recorded pace on the first two stages: twice the rest
    elapsed = 2 * demo.RECORDED_WALL_S * (shares[0] + shares[1])
    line = demo.eta_line(2, elapsed)
    left = 2 * demo.RECORDED_WALL_S * (shares[2] + shares[3])
    assert line.startswith('[demo] 3/5 teacher;')
    assert line.endswith(f'about {left / 60:.0f} min')
