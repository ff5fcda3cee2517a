"""Statistics of the accuracy benchmark: per-method summaries and the 95 %
confidence interval of a difference of means (Welch's t).

Runs of two methods at the same seeds are not paired observations (a seed
fixes initialisation and data order, but each method's loss changes the
whole trajectory), so the interval is Welch's unequal-variance two-sample
interval, not a paired one.
"""
import math
import statistics as stats
from typing import Dict, Sequence

from scipy.stats import t as student_t

__all__ = ['describe', 'welch_interval', 'interval_text']


def describe(values: Sequence[float]) -> Dict[str, float]:
    """``n``, ``mean`` and sample ``std`` (0 for one value).

    Args:
        values: one method's scores over its seeds.
    """
    if not values:
        raise ValueError('describe() needs at least one value')
    return dict(n=len(values), mean=stats.mean(values),
                std=stats.stdev(values) if len(values) > 1 else 0.0)


def welch_interval(a: Sequence[float], b: Sequence[float],
                   confidence: float = 0.95) -> Dict[str, float]:
    """Mean of ``a`` minus mean of ``b`` with its Welch t interval.

    Returns ``diff``, ``low``, ``high``, ``se`` (standard error of the
    difference), ``df`` (Welch-Satterthwaite degrees of freedom), ``n_a``,
    ``n_b`` and ``confidence``. With fewer than two values on a side, or
    no spread on either, the interval cannot be estimated: ``low``,
    ``high``, ``se`` and ``df`` are None.

    Args:
        a: scores of the method of interest.
        b: scores of the method it is compared with.
        confidence: the interval's coverage.
    """
    if not 0 < confidence < 1:
        raise ValueError(f'confidence={confidence} must be in (0, 1)')
    diff = stats.mean(a) - stats.mean(b)
    result = dict(diff=diff, low=None, high=None, se=None, df=None,
                  n_a=len(a), n_b=len(b), confidence=confidence)
    if len(a) < 2 or len(b) < 2:
        return result
    var_a = stats.variance(a) / len(a)
    var_b = stats.variance(b) / len(b)
    if var_a + var_b == 0:
        return result
    se = math.sqrt(var_a + var_b)
    df = (var_a + var_b)**2 / (var_a**2 / (len(a) - 1) + var_b**2 /
                               (len(b) - 1))
    half = student_t.ppf(0.5 + confidence / 2, df) * se
    result.update(low=diff - half, high=diff + half, se=se, df=df)
    return result


def interval_text(diff: Dict[str, float]) -> str:
    """``+1.20 [+0.40, +2.00]`` of a :func:`welch_interval` result, or
    ``+1.20 [n/a]`` where it has no interval."""
    text = f'{diff["diff"]:+.2f}'
    if diff['low'] is None:
        return text + ' [n/a]'
    return text + f' [{diff["low"]:+.2f}, {diff["high"]:+.2f}]'
