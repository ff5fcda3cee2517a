"""tools/benchmarks/speed.py: one --quick run (long-lived workers, rounds,
per-round ratios, the step profile), its JSON and markdown; no timing is
asserted (the machine is shared)."""
import json
import os.path as osp
import statistics

import pytest

from helpers import REPO, run
from hgd_mm_dev.benchmarks.speed import parse_args
from hgd_mm_dev.benchmarks.speed_report import micro_growth, round_ratio

METHODS = ['student_only', 'teacher_forward', 'hgd', 'pkd']
RUN_KEYS = ('method', 's_per_iter_median', 's_per_iter_rounds',
            'minor_faults_per_iter', 'peak_mem_mb', 'rss_after_build_mb',
            'peak_increment_mb', 'threads', 'batch', 'image_size',
            'keeps_freed_memory')
SETTING_KEYS = ('cores', 'cpu', 'torch', 'threads', 'batch', 'image_size',
                'warmup', 'rounds', 'iters', 'command', 'keeps_freed_memory')
BASE = 'hgd / (student_only + teacher_forward)'


def test_quick_run_times_rounds_and_profiles(mini_data, tmp_path):
    output = run([
        osp.join(REPO, 'tools', 'benchmarks', 'speed.py'), '--quick',
        '--methods', *METHODS, '--data-root', mini_data, '--out-dir',
        str(tmp_path)
    ])
    with open(tmp_path / 'speed.json') as f:
        result = json.load(f)
    assert set(result) == {'setting', 'runs', 'rounds', 'ratios', 'profile',
                           'micro_weights'}
    setting = result['setting']
    for key in SETTING_KEYS:
        assert key in setting, key
    assert setting['rounds'] == 2 and setting['iters'] == 2
    assert setting['warmup'] == 1
    assert setting['threads'] == [1]  # the default: one thread per worker
    assert setting['batch'] == 8  # as configured
    assert setting['keeps_freed_memory']  # glibc on the test machine

    # Every method timed in every round, iters steps each; a round's time
    # is the median of its steps, the run's the median of its rounds.
    assert len(result['rounds']) == 2
    for entry in result['rounds']:
        assert sorted(entry['times']) == sorted(METHODS)
        for method, times in entry['times'].items():
            assert len(times) == 2 and min(times) > 0
            assert entry['s_per_iter'][method] == statistics.median(times)
    assert [r['method'] for r in result['runs']] == METHODS
    for entry in result['runs']:
        for key in RUN_KEYS:
            assert key in entry, (entry['method'], key)
        per_round = [r['s_per_iter'][entry['method']]
                     for r in result['rounds']]
        assert entry['s_per_iter_rounds'] == per_round
        assert entry['s_per_iter_median'] == statistics.median(per_round)
        assert entry['peak_mem_mb'] >= entry['rss_after_build_mb'] > 0
    trained = [r for r in result['runs'] if r['method'] != 'teacher_forward']
    assert all(r['last_loss'] is not None for r in trained)

    # The ratios are taken per round, then summarised.
    ratios = result['ratios']
    assert set(ratios) >= {BASE, 'hgd / pkd',
                           'pkd / (student_only + teacher_forward)'}
    expected = [round_ratio(r['s_per_iter'], 'hgd',
                            ('student_only', 'teacher_forward'))
                for r in result['rounds']]
    assert ratios[BASE]['per_round'] == expected
    assert ratios[BASE]['median'] == statistics.median(expected)
    assert ratios[BASE]['spread'] == max(
        abs(v - statistics.median(expected)) for v in expected)

    # The profile: HGD's own parts, and where gradients do and do not flow.
    assert set(result['profile']) == {'hgd', 'pkd'}
    hgd = {row['part']: row for row in result['profile']['hgd']}
    for part in ('teacher forward', 'student forward + detection loss',
                 'distillation: micro weights',
                 'distillation: standardisation',
                 'distillation: loss', 'optimiser step (clip, AdamW, '
                 'zero_grad)'):
        assert hgd[part]['total_ms'] > 0, part
    assert hgd['teacher forward']['backward_ms'] == 0  # frozen, no_grad
    # Equally wide FPNs: no projection, so the connectors cost ~nothing;
    # the student's standardisation is back-propagated, the weights are not.
    assert hgd['distillation: standardisation']['backward_ms'] > 0
    assert hgd['distillation: micro weights']['backward_ms'] == 0
    assert hgd['student forward + detection loss']['backward_ms'] > 0
    pkd = {row['part'] for row in result['profile']['pkd']}
    assert 'distillation: standardisation' not in pkd  # inside PKDLoss
    for rows in result['profile'].values():
        assert abs(sum(r['share'] for r in rows) - 1) < 1e-9
        for row in rows:
            assert abs(row['total_ms'] - row['forward_ms'] -
                       row['backward_ms']) < 1e-9

    micro = result['micro_weights']
    assert [m['boxes'] for m in micro] == [10, 100, 1000]
    assert all(set(m) == {'boxes', 'ms'} and m['ms'] > 0 for m in micro)

    markdown = (tmp_path / 'speed.md').read_text()
    assert f'**{BASE} = ' in markdown and '**hgd / pkd = ' in markdown
    assert '| distillation: standardisation |' in markdown
    for method in METHODS:
        assert f'| {method} |' in markdown
    assert 'boxes^' in output  # the linearity verdict is reported


def test_micro_growth_tells_linear_from_quadratic():
    linear = [{'boxes': 100, 'ms': 2.0}, {'boxes': 1000, 'ms': 20.0}]
    quadratic = [{'boxes': 100, 'ms': 2.0}, {'boxes': 1000, 'ms': 200.0}]
    assert micro_growth(linear)['linear']
    assert abs(micro_growth(linear)['exponent'] - 1) < 1e-9
    assert not micro_growth(quadratic)['linear']


def test_profiling_an_unmeasured_method_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse_args(['--methods', 'hgd', '--profile', 'pkd'])
    assert 'add them to --methods' in capsys.readouterr().err
