"""settings_matrix: setting x method, and HGD against the best peer."""
import json
import os.path as osp

import pytest

from hgd_mm_dev.benchmarks import settings_matrix as sm
from hgd_mm_dev.mini.paths import RESULTS


def runs_of(setting, scores):
    return [dict(method=m, seed=s, bbox_mAP=v, setting=setting)
            for m, values in scores.items() for s, v in enumerate(values)]


def test_best_tuned_peer_is_the_reference_where_peers_were_tuned():
    runs = runs_of('a', {'baseline': [20, 21], 'hgd': [40, 41],
                         'pkd': [39.9, 40.1], 'pkd_tuned': [38, 38.5],
                         'cwd_tuned': [39, 39.4]})
    runs += runs_of('b', {'b:baseline': [10, 12], 'b:hgd': [30, 30.2],
                          'b:pkd': [29, 29.4], 'b:cwd': [29.8, 30.0]})
    table = sm.matrix_summary(runs)
    assert list(table) == ['a', 'b']
    # tuned peers exist on a: cwd_tuned (39.2) is the reference, not the
    # as-shipped pkd (40.0)
    a = table['a']['hgd_vs_best_peer']
    assert a['reference'] == 'cwd_tuned'
    assert a['diff'] == pytest.approx(40.5 - 39.2)
    b = table['b']
    assert b['hgd_vs_best_peer']['reference'] == 'cwd'  # none tuned on b
    assert b['methods']['baseline'] == dict(n=2, mean=11, std=pytest.approx(
        1.4142135623730951))
    lines = sm.matrix_markdown(table)
    assert lines[0].startswith('| setting | baseline | hgd | pkd | cwd |')
    assert '| b | 11.00 ± 1.41 (2) | 30.10 ± 0.14 (2) |' in lines[3]
    assert 'hgd vs cwd_tuned |' in lines[2]


def test_hgd_at_its_tuned_weight_is_compared_where_it_ran():
    runs = runs_of('a', {'hgd': [40, 41], 'hgd_tuned': [42, 42.4],
                         'pkd_tuned': [39, 39.4]})
    versus = sm.matrix_summary(runs)['a']['hgd_vs_best_peer']
    assert (versus['method'], versus['reference']) == ('hgd_tuned',
                                                       'pkd_tuned')
    assert versus['diff'] == pytest.approx(42.2 - 39.2)
    assert 'hgd_tuned vs pkd_tuned |' in sm.matrix_markdown(
        sm.matrix_summary(runs))[2]


def test_runs_made_before_settings_were_recorded_keep_their_pair():
    assert sm.setting_of(dict(method='narrow_pkd')) == sm.NARROW_FPN
    assert sm.setting_of(dict(method='pkd')) == sm.QUARTER_WIDTH
    assert sm.setting_of(dict(method='x', setting='depth')) == 'depth'
    assert sm.matrix_method('narrow_hgd') == 'hgd'
    assert sm.matrix_method('retinanet-depth:pkd_tuned') == 'pkd_tuned'
    report = json.load(open(osp.join(RESULTS, 'archive',
                                     'accuracy_benchmark_v2.json')))
    table = sm.matrix_summary(report['runs'])
    assert set(table) == {sm.QUARTER_WIDTH, sm.NARROW_FPN}
    main = table[sm.QUARTER_WIDTH]
    assert main['methods']['hgd']['n'] == 5
    assert 'hgd_v1' not in main['methods']  # variants are not columns
    assert main['hgd_vs_best_peer']['reference'] == 'pkd'


def test_plot_has_a_panel_per_setting(tmp_path):
    runs = runs_of('a', {'baseline': [20, 21], 'hgd': [40, 41]})
    runs += runs_of('b', {'b:baseline': [10, 12], 'b:hgd': [30, 31]})
    path = tmp_path / 'm.png'
    sm.plot_matrix(runs, sm.matrix_summary(runs), str(path))
    assert path.stat().st_size > 1000


def test_narrow_pair_runs_never_join_the_main_pair_row():
    from hgd_mm_dev.benchmarks.accuracy import HETEROGENEOUS
    assert {arm.setting for arm in HETEROGENEOUS.values()} == {sm.NARROW_FPN}
    # Runs made while those arms recorded the main pair's setting.
    runs = [dict(method=m, seed=s, bbox_mAP=v, setting=sm.QUARTER_WIDTH)
            for m, v in (('hgd', 30.0), ('narrow_hgd', 20.0),
                         ('pkd', 29.0), ('narrow_pkd', 19.0))
            for s in range(3)]
    table = sm.matrix_summary(runs)
    assert table[sm.QUARTER_WIDTH]['methods']['hgd']['n'] == 3
    assert table[sm.QUARTER_WIDTH]['methods']['hgd']['mean'] == 30.0
    assert table[sm.NARROW_FPN]['methods']['pkd']['mean'] == 19.0


def test_a_peer_at_fewer_seeds_is_not_the_reference():
    """A tuned peer's lucky first seed (a partial row) does not become
    HGD's reference while another tuned peer has more seeds."""
    runs = runs_of('a', {'hgd_tuned': [40, 41], 'pkd_tuned': [45],
                         'cwd_tuned': [39, 39.4]})
    versus = sm.matrix_summary(runs)['a']['hgd_vs_best_peer']
    assert versus['reference'] == 'cwd_tuned'
