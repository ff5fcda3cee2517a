"""tools/benchmarks/speed.py: one --quick run of a few methods, its JSON
schema and markdown; no timing is asserted (the machine is shared)."""
import json
import os.path as osp

from helpers import REPO, run
from hgd_mm.benchmarks.speed_report import micro_growth

METHODS = ['student_only', 'teacher_forward', 'hgd']
RUN_KEYS = ('method', 's_per_iter_median', 'peak_mem_mb',
            'rss_after_build_mb', 'peak_increment_mb', 'threads', 'batch',
            'image_size')
SETTING_KEYS = ('cores', 'torch', 'threads', 'batch', 'image_size', 'warmup',
                'iters')


def test_quick_run_writes_every_method_and_micro_weights(mini_data,
                                                         tmp_path):
    output = run([
        osp.join(REPO, 'tools', 'benchmarks', 'speed.py'), '--quick',
        '--methods', *METHODS, '--data-root', mini_data, '--out-dir',
        str(tmp_path)
    ])
    with open(tmp_path / 'speed.json') as f:
        result = json.load(f)
    assert set(result) == {'setting', 'runs', 'micro_weights'}
    for key in SETTING_KEYS:
        assert key in result['setting'], key
    assert result['setting']['warmup'] == 1
    assert result['setting']['iters'] == 2
    assert result['setting']['batch'] == 8  # as configured

    assert [r['method'] for r in result['runs']] == METHODS
    for entry in result['runs']:
        for key in RUN_KEYS:
            assert key in entry, (entry['method'], key)
        assert entry['s_per_iter_median'] > 0
        assert entry['peak_mem_mb'] > 0
        assert entry['peak_mem_mb'] >= entry['rss_after_build_mb'] > 0
    trained = [r for r in result['runs'] if r['method'] != 'teacher_forward']
    assert all(r['last_loss'] is not None for r in trained)

    micro = result['micro_weights']
    assert [m['boxes'] for m in micro] == [10, 100, 1000]
    assert all(set(m) == {'boxes', 'ms'} and m['ms'] > 0 for m in micro)

    markdown = (tmp_path / 'speed.md').read_text()
    assert 'hgd / (student_only + teacher_forward)' in markdown
    for method in METHODS:
        assert f'| {method} |' in markdown
    assert 'boxes^' in output  # the linearity verdict is reported


def test_micro_growth_tells_linear_from_quadratic():
    linear = [{'boxes': 100, 'ms': 2.0}, {'boxes': 1000, 'ms': 20.0}]
    quadratic = [{'boxes': 100, 'ms': 2.0}, {'boxes': 1000, 'ms': 200.0}]
    assert micro_growth(linear)['linear']
    assert abs(micro_growth(linear)['exponent'] - 1) < 1e-9
    assert not micro_growth(quadratic)['linear']
