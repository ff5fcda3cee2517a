"""hgd_mm_dev.benchmarks.statistics: Welch intervals against scipy and a
hand-computed case."""
import math

import pytest
from scipy import stats

from hgd_mm_dev.benchmarks.statistics import describe, welch_interval


def test_describe():
    assert describe([1.0, 2.0, 3.0]) == dict(n=3, mean=2.0, std=1.0)
    assert describe([4.0]) == dict(n=1, mean=4.0, std=0.0)
    with pytest.raises(ValueError):
        describe([])


@pytest.mark.parametrize('a, b', [
    ([30.1, 30.5, 29.8, 30.9, 30.2], [29.0, 29.4, 29.9, 28.7, 29.2]),
    ([5.0, 5.2, 4.9], [6.1, 5.7, 6.6, 5.9, 6.3, 6.0]),
])
def test_welch_interval_equals_scipy(a, b):
    got = welch_interval(a, b)
    want = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert got['diff'] == pytest.approx(sum(a) / len(a) - sum(b) / len(b))
    assert (got['low'], got['high']) == pytest.approx(
        (want.low, want.high), abs=1e-10)


def test_welch_interval_by_hand():
    # a: mean 2, var 1; b: mean 0, var 1; n 3 each -> se = sqrt(2/3),
    # df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4, t_0.975(4) = 2.7764451...
    got = welch_interval([1.0, 2.0, 3.0], [-1.0, 0.0, 1.0])
    half = 2.7764451051977987 * math.sqrt(2 / 3)
    assert got['df'] == pytest.approx(4.0)
    assert (got['low'], got['high']) == pytest.approx((2 - half, 2 + half))


def test_no_interval_without_spread_or_with_one_value():
    assert welch_interval([1.0], [0.0, 2.0])['low'] is None
    assert welch_interval([1.0, 1.0], [0.0, 0.0])['high'] is None
    assert welch_interval([1.0, 1.0], [0.0, 0.0])['diff'] == 1.0
    with pytest.raises(ValueError, match='confidence'):
        welch_interval([1.0, 2.0], [0.0, 1.0], confidence=1.5)
