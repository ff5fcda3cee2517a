"""weight_sweep: every method's weight options exist in its config (an
option that named nothing would silently train the shipped weight), the
grid, and the choice of the best multiplier."""
import os.path as osp

import pytest
from mmengine.config import Config

from hgd_mm_dev.benchmarks import weight_sweep as sweep
from hgd_mm_dev.benchmarks.study import summarize
from hgd_mm_dev.mini.paths import REPO


def lookup(cfg, dotted):
    node = cfg
    for part in dotted.split('.'):
        assert part in node, f'{dotted}: no {part!r} in the config'
        node = node[part]
    return node


@pytest.mark.parametrize('method', list(sweep.WEIGHTED))
def test_each_weight_option_overrides_the_shipped_value(method):
    weighted = sweep.WEIGHTED[method]
    cfg = Config.fromfile(weighted.config)
    if method != 'hgd':  # HGD's shipped weight is the distiller's default
        for key in weighted.keys:
            assert lookup(cfg, key) == pytest.approx(weighted.shipped)
    arm = sweep.sweep_arm(method, 0.25)
    assert arm.name == f'{method}@x0.25'
    assert set(arm.options) == set(weighted.keys)
    assert all(v == pytest.approx(weighted.shipped / 4)
               for v in arm.options.values())
    cfg.merge_from_dict(arm.options)
    for key in weighted.keys:
        assert lookup(cfg, key) == pytest.approx(weighted.shipped / 4)
    if method == 'hgd':  # the distiller reads it
        from mmrazor.registry import MODELS
        # (mmrazor's scope whatever default scope earlier tests left)
        distiller = MODELS.build(dict(cfg.model.distiller, _scope_='mmrazor'))
        assert distiller.schedule() == pytest.approx(15.0 / 4)
        shipped = MODELS.build(dict(
            Config.fromfile(weighted.config).model.distiller,
            _scope_='mmrazor'))
        assert shipped.schedule() == pytest.approx(weighted.shipped)


def test_grid_spans_16x_around_every_shipped_value():
    assert sweep.MULTIPLIERS[-1] / sweep.MULTIPLIERS[0] == 16
    assert 1.0 in sweep.MULTIPLIERS
    names = [a.name for a in sweep.sweep_arms()]
    assert len(names) == len(set(names)) == 6 * 5
    assert sweep.parse_arm_name('mgd@x0.5') == ('mgd', 0.5)
    assert sweep.parse_arm_name('neck+micro') is None
    assert sweep.parse_arm_name('baseline') is None


def runs_of(scores):
    return [dict(method=m, seed=s, bbox_mAP=v, bbox_mAP_50=0.0,
                 bbox_mAP_s=0.0, bbox_mAP_m=0.0, bbox_mAP_l=0.0)
            for m, values in scores.items() for s, v in enumerate(values)]


def test_best_multiplier_needs_the_most_seeds():
    summary = summarize(runs_of({
        'baseline': [20.0, 21.0],
        'pkd@x0.5': [30.0, 31.0],
        'pkd@x1': [32.0, 33.0],
        'pkd@x2': [40.0],        # one lucky seed does not win
        'cwd@x4': [35.0, 35.5],
        'cwd@x2': [34.0, 34.2],
    }), [])
    table = sweep.sweep_summary(summary['methods'])
    assert list(table) == ['pkd', 'cwd']
    # x1 is the largest weight measured at two seeds: the edge of the
    # grid that competed
    assert table['pkd']['best'] == dict(multiplier=1.0, value=6.0, n=2,
                                        at_edge=True)
    assert table['cwd']['best']['multiplier'] == 4.0
    assert table['cwd']['best']['at_edge']
    text = sweep.sweep_markdown(table, summary['methods']['baseline'], 47.4)
    assert ('| pkd | 6 | 30.50 (0.71, 2) | **32.50 (0.71, 2)** | '
            '40.00 (-, 1) |') in text
    assert "x4 (40, at the grid's edge)" in text
    assert 'plain student 20.50 (2 seeds)' in text


def test_tuned_rows_run_each_method_at_its_best_multiplier(tmp_path):
    import json

    from hgd_mm_dev.benchmarks import accuracy
    summary = summarize(runs_of({
        'pkd@x1': [32.0, 33.0], 'pkd@x2': [34.0, 34.5],
        'hgd@x0.5': [41.0, 41.2], 'hgd@x1': [40.0, 40.5]}), [])
    report = tmp_path / 'tuning.json'
    report.write_text(json.dumps(dict(sweep=sweep.sweep_summary(
        summary['methods']))))
    tuned = sweep.load_tuned_weights(str(report))
    assert tuned['pkd'] == sweep.weight_options('pkd', 2.0)
    assert tuned['hgd'] == {'model.distiller.schedule.loss_weight': 7.5}
    arms = accuracy.tuned_arms(tuned)
    assert arms['pkd_tuned'].config == sweep.WEIGHTED['pkd'].config
    assert arms['pkd_tuned'].options == sweep.weight_options('pkd', 2.0)
    assert ('hgd_tuned', 'pkd_tuned') in accuracy.tuned_comparisons(tuned)
    # the settings run the main pair's tuned weights unchanged, and the
    # options name losses their configs have
    depth = accuracy.setting_arms('retinanet-depth', tuned)
    arm = depth['retinanet-depth:pkd_tuned']
    assert arm.options == tuned['pkd'] and arm.setting == 'retinanet-depth'
    cfg = Config.fromfile(arm.config)
    cfg.merge_from_dict(arm.options)
    for key, value in arm.options.items():
        assert lookup(cfg, key) == pytest.approx(value)
    assert 'retinanet-depth:fbkd_tuned' not in depth  # not in the setting
    # with tuned weights a setting runs the plain student and the tuned rows;
    # its shipped rows on request, and always without tuned weights
    assert sorted(depth) == sorted(
        ['retinanet-depth:baseline',
         *(f'retinanet-depth:{m}_tuned' for m in tuned
           if m in ('hgd', 'pkd', 'cwd', 'mgd'))])
    both = accuracy.setting_arms('retinanet-depth', tuned, as_shipped=True)
    shipped = [f'retinanet-depth:{m}' for m in ('hgd', 'pkd', 'cwd', 'mgd')]
    assert sorted(both) == sorted([*depth, *shipped])
    assert sorted(accuracy.setting_arms('retinanet-depth')) == sorted(
        f'retinanet-depth:{m}' for m in ('baseline', 'hgd', 'pkd', 'cwd',
                                         'mgd'))


def test_a_report_without_a_sweep_is_refused(tmp_path):
    report = tmp_path / 'tuning_v3.json'
    report.write_text('{"sweep": {}}')
    with pytest.raises(ValueError, match='holds no weight sweep'):
        sweep.load_tuned_weights(str(report))


def test_candidates_against_one_sweep_arm_are_not_rendered_as_a_sweep():
    from hgd_mm_dev.benchmarks.tuning import report_markdown, swept_methods
    runs = runs_of({'hgd@x1': [40.0, 41.0], 'v3:hints': [42.0, 42.5]})
    summary = summarize(runs, [('v3:hints', 'hgd@x1')])
    methods = swept_methods(summary['methods'], ['hgd@x1', 'v3:hints'])
    assert 'hgd@x1' not in methods  # only the reference here
    report = dict(setting=dict(split='tune'), teacher_bbox_mAP=47.4,
                  runs=runs, summary=summary,
                  sweep=sweep.sweep_summary(methods))
    text = report_markdown(report)
    assert '| v3:hints | hgd@x1 | 2 vs 2 | +1.75 [' in text
    assert 'shipped weight' not in text
    # a sweep beside candidates: both tables
    mixed = summarize(runs_of({'hgd@x1': [40.0], 'hgd@x2': [41.0],
                               'neck+micro': [39.0]}), [])
    kept = swept_methods(mixed['methods'], ['hgd@x1', 'hgd@x2', 'neck+micro'])
    assert set(kept) == {'hgd@x1', 'hgd@x2', 'neck+micro'}
    report.update(summary=mixed, sweep=sweep.sweep_summary(kept))
    text = report_markdown(report)
    assert '| hgd | 15 |' in text and '| neck+micro | 1 |' in text


def test_tuning_arms_move_onto_a_setting_by_role():
    from hgd_mm_dev.benchmarks.tuning import ARMS, on_setting
    from hgd_mm_dev.mini.paths import SETTINGS
    depth = SETTINGS['retinanet-depth']
    pkd = on_setting(ARMS['pkd@x2'], 'retinanet-depth')
    assert (pkd.name, pkd.config, pkd.setting) == (
        'pkd@x2', depth['pkd'], 'retinanet-depth')
    assert pkd.options == ARMS['pkd@x2'].options
    cfg = Config.fromfile(pkd.config)
    cfg.merge_from_dict(pkd.options)
    assert lookup(cfg, 'model.distiller.distill_losses.loss_pkd_fpn0.'
                  'loss_weight') == pytest.approx(12.0)
    assert on_setting(ARMS['v3:review'], 'retinanet-depth').config == \
        depth['hgd']
    baseline = on_setting(ARMS['baseline'], 'retinanet-depth')
    assert baseline.config == depth['student'] and not baseline.distill
    with pytest.raises(ValueError, match="'fbkd@x1' needs a fbkd config"):
        on_setting(ARMS['fbkd@x1'], 'retinanet-depth')


def test_a_setting_sweeps_the_methods_it_has_by_default(monkeypatch):
    from hgd_mm_dev.benchmarks import tuning
    seen = {}

    def stop(*args, **kwargs):
        seen.update(kwargs, args=args)
        raise SystemExit('prepared')
    monkeypatch.setattr(tuning.study, 'prepare', stop)
    with pytest.raises(SystemExit):
        tuning.main(['--setting', 'retinanet-depth'])
    assert seen['name'] == 'retinanet-depth'
    assert seen['args'][3].endswith('work_dirs/settings/retinanet-depth')
    depth = tuning.default_candidates('retinanet-depth')
    assert depth[0] == 'baseline' and len(depth) == 1 + 4 * 5
    assert {sweep.parse_arm_name(c)[0] for c in depth[1:]} == {
        'pkd', 'cwd', 'mgd', 'hgd'}  # the setting has no fbkd, fitnet
    assert len(tuning.default_candidates()) == 1 + 6 * 5


def test_a_sweep_on_a_setting_names_it():
    from hgd_mm_dev.benchmarks.tuning import report_markdown
    runs = runs_of({'baseline': [25.0], 'pkd@x1': [38.0], 'pkd@x2': [39.0]})
    summary = summarize(runs, [])
    report = dict(setting=dict(split='tune', name='retinanet-depth'),
                  teacher_bbox_mAP=43.8, runs=runs, summary=summary,
                  sweep=sweep.sweep_summary(summary['methods']))
    assert report_markdown(report).startswith(
        'Setting `retinanet-depth`. Teacher: 43.80 mAP')
    report['setting'] = dict(split='tune')  # the main pair's own study
    assert report_markdown(report).startswith('Teacher: 43.80 mAP')


@pytest.mark.parametrize('name, group', [('v3:hierarchy@bb0.25', 'backbone'),
                                         ('v3:hints@0.25', 'hint')])
def test_down_weighted_candidates_reach_the_group_weight(name, group):
    """A candidate at a quarter of the neck group's weight, built with its
    options on tiny real detectors: the distiller's macro weighs each of
    the group's terms a quarter of what the equal-weight candidate gives
    it, and the neck levels as before."""
    from helpers import build, hgd_algorithm, tiny_retinanet
    from hgd_mm_dev.benchmarks.tuning import V3_CANDIDATES

    def stage_weights(arm_name):
        distiller = {}
        for key, value in V3_CANDIDATES[arm_name].options.items():
            node = distiller
            *parents, leaf = key[len('model.distiller.'):].split('.')
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        algorithm = build(hgd_algorithm(tiny_retinanet(18, 8, 16),
                                        tiny_retinanet(50, 16, 16),
                                        distiller=distiller))
        macro = algorithm.distiller.macro
        return macro.stage_groups, macro.stage_weights.tolist()

    groups, low = stage_weights(name)
    equal_groups, equal = stage_weights(name.split('@')[0])
    assert groups == equal_groups and group in groups
    for g, w_low, w_equal in zip(groups, low, equal):
        assert w_low == pytest.approx(w_equal * (0.25 if g == group else 1))


def tune_split_key():
    """The arm key function of a tune-split study of the main pair (a
    placeholder teacher: keys do not depend on it)."""
    from hgd_mm_dev.benchmarks import accuracy, study
    return accuracy.current_key(study.Setting(
        data_root='d', split='tune', teacher={'checkpoint': 'teacher.pth'},
        teacher_split_metrics={}, base_options={}, quick=False))


def test_tuned_weights_of_other_code_are_refused(tmp_path):
    """A sweep whose best arm ran as another arm key (HGD's sweep from
    before its defaults changed) gives no tuned row; the same report whose
    runs carry today's key does."""
    import json

    runs = runs_of({'hgd@x0.5': [41.0, 41.2], 'hgd@x1': [40.0, 40.5]})
    summary = summarize(runs, [])
    key = tune_split_key()
    today = key(sweep.sweep_arm('hgd', 0.5))
    report = tmp_path / 'tuning.json'
    for run in runs:
        run['arm_key'] = 'v2-era'
    report.write_text(json.dumps(dict(
        runs=runs, sweep=sweep.sweep_summary(summary['methods']))))
    with pytest.raises(ValueError, match=r'hgd \(hgd@x0\.5 ran as arm key '
                       r'v2-era, its key now is ' + today):
        sweep.load_tuned_weights(str(report), key)
    for run in runs:
        run['arm_key'] = today
    report.write_text(json.dumps(dict(
        runs=runs, sweep=sweep.sweep_summary(summary['methods']))))
    assert sweep.load_tuned_weights(str(report), key)['hgd'] == {
        'model.distiller.schedule.loss_weight': 7.5}


def test_only_the_rows_about_to_run_must_be_tuned_by_todays_code(tmp_path):
    """HGD's sweep made by other code blocks HGD's tuned rows, never more
    seeds of PKD's (``checked``): the weights are returned as recorded."""
    import json

    runs = runs_of({'hgd@x0.5': [41.0, 41.2], 'hgd@x1': [40.0, 40.5],
                    'pkd@x0.5': [39.0, 39.5], 'pkd@x1': [38.0, 38.2]})
    key = tune_split_key()
    pkd_now = key(sweep.sweep_arm('pkd', 0.5))
    for run in runs:
        run['arm_key'] = pkd_now if run['method'] == 'pkd@x0.5' else 'old'
    report = tmp_path / 'tuning.json'
    report.write_text(json.dumps(dict(runs=runs, sweep=sweep.sweep_summary(
        summarize(runs, [])['methods']))))
    tuned = sweep.load_tuned_weights(str(report), key, checked=['pkd'])
    assert sorted(tuned) == ['hgd', 'pkd']
    assert tuned['hgd'] == {'model.distiller.schedule.loss_weight': 7.5}
    for checked in (['hgd', 'pkd'], None):
        with pytest.raises(ValueError, match=r'hgd \(hgd@x0\.5 ran as arm '
                           r'key old'):
            sweep.load_tuned_weights(str(report), key, checked=checked)


def test_the_grid_edge_is_that_of_the_multipliers_that_competed():
    """x4 at one seed beside x0.5-x2 at two: the best, x2, is the largest
    weight measured at the most seeds, so it is at the grid's edge."""
    summary = summarize(runs_of({
        'pkd@x0.5': [30.0, 31.0], 'pkd@x1': [32.0, 33.0],
        'pkd@x2': [34.0, 34.5], 'pkd@x4': [30.0]}), [])
    best = sweep.sweep_summary(summary['methods'])['pkd']['best']
    assert best['multiplier'] == 2.0 and best['at_edge']


def test_a_settings_sweep_is_checked_against_its_own_configs(tmp_path):
    """A sweep made on setting a (its report names the setting's configs)
    is checked with the keys of those configs: runs carrying the main
    pair's key for the same arm are stale there, runs carrying setting a's
    key are not."""
    import json

    from hgd_mm_dev.benchmarks import tuning
    runs = runs_of({'hgd@x0.5': [41.0, 41.2], 'hgd@x1': [40.0, 40.5]})
    key = tune_split_key()
    main_arm = sweep.sweep_arm('hgd', 0.5)
    depth_arm = tuning.on_setting(main_arm, 'retinanet-depth')
    assert key(main_arm) != key(depth_arm)
    candidates = {name: dict(config=osp.relpath(
        tuning.on_setting(tuning.ARMS[name], 'retinanet-depth').config,
        REPO), options={}) for name in ('hgd@x0.5', 'hgd@x1')}
    report = tmp_path / 'tuning_retinanet-depth.json'

    def write(arm_key):
        for run in runs:
            run['arm_key'] = arm_key
        report.write_text(json.dumps(dict(
            setting=dict(name='retinanet-depth', candidates=candidates),
            runs=runs, sweep=sweep.sweep_summary(
                summarize(runs, [])['methods']))))

    write(key(main_arm))
    assert sweep.best_arm(json.loads(report.read_text()),
                          'hgd').config == depth_arm.config
    with pytest.raises(ValueError, match='its key now is ' + key(depth_arm)):
        sweep.load_tuned_weights(str(report), key)
    write(key(depth_arm))
    assert sweep.load_tuned_weights(str(report), key)['hgd'] == {
        'model.distiller.schedule.loss_weight': 7.5}


def test_candidates_beyond_the_grid_widen_it():
    """A best multiplier at the grid's edge is followed by arms beyond it:
    any <method>@x<multiplier> is a candidate, with that weight."""
    from hgd_mm_dev.benchmarks import tuning
    args = tuning.parse_args(['--candidates', 'baseline', 'cwd@x0.125',
                              'pkd@x8'])
    assert args.candidates == ['baseline', 'cwd@x0.125', 'pkd@x8']
    arm = tuning.arm_named('cwd@x0.125')
    assert arm.config == sweep.WEIGHTED['cwd'].config
    assert set(arm.options.values()) == {sweep.WEIGHTED['cwd'].shipped *
                                         0.125}
    assert tuning.arm_named('pkd@x1') is tuning.ARMS['pkd@x1']
    for wrong in ('cwd@x0', 'cwd@x-1', 'cwd@xone', 'xyz@x2', 'nothing'):
        with pytest.raises(ValueError, match='is not an arm'):
            tuning.arm_named(wrong)
        with pytest.raises(SystemExit):
            tuning.parse_args(['--candidates', wrong])
