"""tools/benchmarks/precision_speed.py: one --quick run (a worker per
precision, steps taken in turn, ratios per round), its JSON and markdown;
no timing is asserted (the machine is shared)."""
import json
import os.path as osp

import pytest

from helpers import REPO, run
from hgd_mm.engine.precision import cpu_description, decide_precision
from hgd_mm_dev.benchmarks import precision_speed


def test_quick_run_times_both_precisions_in_turn(mini_data, tmp_path):
    run([
        osp.join(REPO, 'tools', 'benchmarks', 'precision_speed.py'),
        '--quick', '--methods', 'student_only', '--data-root', mini_data,
        '--out-dir', str(tmp_path)
    ])
    with open(tmp_path / 'precision_speed.json') as f:
        report = json.load(f)
    assert set(report) == {'setting', 'runs', 'rounds', 'ratios'}
    setting = report['setting']
    assert setting['cpu'] == cpu_description()
    assert (setting['auto'], setting['auto_reason']) == decide_precision(
        'auto')
    assert setting['rounds'] == 1 and setting['iters'] == 2
    # Each worker trained in the precision it was given (its optimiser
    # wrapper's decision, reported by the worker itself).
    assert sorted((r['method'], r['precision']) for r in report['runs']) == [
        ('student_only', 'bf16'), ('student_only', 'fp32')]
    (entry, ) = report['rounds']
    assert sorted(entry['times']) == ['student_only bf16',
                                      'student_only fp32']
    assert all(len(t) == 2 and min(t) > 0 for t in entry['times'].values())
    ratio = report['ratios']['student_only']
    assert ratio['per_round'] == [entry['s_per_iter']['student_only bf16'] /
                                  entry['s_per_iter']['student_only fp32']]
    markdown = (tmp_path / 'precision_speed.md').read_text()
    assert markdown == precision_speed.markdown(report)
    assert f'picks **{setting["auto"]}** here' in markdown


def report_with(ratios):
    """A report whose methods have these bf16 / fp32 medians."""
    runs = []
    for method, value in ratios.items():
        runs += [dict(method=method, precision='fp32', s_per_iter_median=1.0),
                 dict(method=method, precision='bf16',
                      s_per_iter_median=value)]
    return {
        'setting': dict(cpu=dict(model='Test CPU', flags=dict(
            avx512_bf16=True, amx_bf16=False, bf16=False)), auto='fp32',
            auto_reason='auto: ...', threads=1, rounds=3, iters=5,
            command='python tools/benchmarks/precision_speed.py',
            date='2026-12-02'),
        'runs': runs,
        'ratios': {m: dict(median=v, min=v, max=v)
                   for m, v in ratios.items()},
    }


@pytest.mark.parametrize('ratios, faster', [
    ({'hgd': 1.36, 'pkd': 1.41}, 'fp32'),
    ({'hgd': 0.81, 'pkd': 0.8}, 'bf16'),
    ({'hgd': 1.05, 'pkd': 0.97}, 'neither throughout'),
])
def test_markdown_names_the_faster_precision_and_auto(ratios, faster):
    text = precision_speed.markdown(report_with(ratios))
    assert f'Faster on this CPU: **{faster}**.' in text
    assert 'avx512_bf16 yes, amx_bf16 no' in text
    assert f'| hgd | 1.000 | {ratios["hgd"]:.3f} | {ratios["hgd"]:.2f} ' \
        in text


def test_per_round_ratio_is_bf16_over_fp32():
    rounds = [{'s_per_iter': {'hgd bf16': 3.0, 'hgd fp32': 2.0}},
              {'s_per_iter': {'hgd bf16': 1.0, 'hgd fp32': 2.0}}]
    summary = precision_speed.precision_ratios(rounds, ['hgd'])['hgd']
    assert summary['per_round'] == [1.5, 0.5]
    assert summary['median'] == 1.0
