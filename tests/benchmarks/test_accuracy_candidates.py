"""A mechanism chosen on the tune split, confirmed on val beside a
setting's rows (``accuracy.py --setting-candidates``)."""
import pytest

from hgd_mm_dev.benchmarks import accuracy
from hgd_mm_dev.benchmarks.tuning import arm_named
from hgd_mm_dev.mini.paths import SETTINGS


def test_a_candidate_runs_on_the_settings_hgd_config_under_its_name():
    arms = accuracy.candidate_arms('retinanet-depth', ['hgd+hints@x0.125'])
    arm = arms['retinanet-depth:hgd+hints@x0.125']
    assert arm.name == 'retinanet-depth:hgd+hints@x0.125'
    assert arm.config == SETTINGS['retinanet-depth']['hgd']
    assert arm.setting == 'retinanet-depth' and arm.distill
    assert arm.options == arm_named('hgd+hints@x0.125').options
    assert arm.options['model.distiller.schedule.loss_weight'] == \
        pytest.approx(15.0 * 0.125)


def test_each_candidate_row_is_compared_with_its_settings_tuned_rows():
    """With its setting's tuned HGD, and with each tuned peer of that
    setting the runs hold (never another setting's, never a shipped row)."""
    runs = [dict(method=m) for m in (
        'retinanet-depth:hgd_tuned', 'retinanet-depth:hgd+hints@x0.125',
        'retinanet-depth:hgd+hints@x0.125', 'faster-rcnn-depth:hgd+review@x1',
        'v3:hints', 'hgd', 'retinanet-depth:cwd_tuned',
        'retinanet-depth:pkd_tuned', 'retinanet-depth:pkd', 'cwd_tuned',
        'fcos-depth:mgd_tuned')]
    assert accuracy.candidate_comparisons(runs) == [
        ('retinanet-depth:hgd+hints@x0.125', 'retinanet-depth:hgd_tuned'),
        ('retinanet-depth:hgd+hints@x0.125', 'retinanet-depth:pkd_tuned'),
        ('retinanet-depth:hgd+hints@x0.125', 'retinanet-depth:cwd_tuned'),
        ('faster-rcnn-depth:hgd+review@x1', 'faster-rcnn-depth:hgd_tuned')]


def test_an_unknown_candidate_is_refused_with_the_names_that_exist(capsys):
    args = accuracy.parse_args(['--settings', 'retinanet-depth',
                                '--setting-candidates', 'hgd+review@x0.125'])
    assert args.setting_candidates == ['hgd+review@x0.125']
    with pytest.raises(SystemExit):
        accuracy.parse_args(['--setting-candidates', 'hgd+hint@x0.125'])
    error = capsys.readouterr().err
    assert "'hgd+hint@x0.125' is not an arm" in error
    assert 'hierarchy, hierarchy@bb0.25, hierarchy+decay, hints' in error


def test_methods_given_alone_plan_nothing_on_the_main_pair():
    """More seeds of a setting alone: nothing of the main pair is planned
    (its committed runs are kept, not retrained)."""
    args = accuracy.parse_args(['--methods', '--ablation-seeds', '--seeds',
                                '5', '6', '--settings', 'retinanet-depth'])
    assert args.methods == [] and args.ablation_seeds == []
    assert accuracy.plan_of(args) == []
    assert len(accuracy.plan_of(accuracy.parse_args([]))) == 5 * 11 + 3 * 6


def test_setting_methods_choose_the_rows_a_setting_runs():
    """More seeds of the two rows an interval compares: only those run,
    each at its tuned weight, beside any candidate."""
    tuned = {'hgd': {'model.distiller.schedule.loss_weight': 1.875},
             'cwd': {'x': 1.25}, 'pkd': {'x': 1.5}}
    args = accuracy.parse_args(['--setting-methods', 'hgd', 'cwd'])
    arms = accuracy.setting_arms('retinanet-depth', tuned, False,
                                 args.setting_methods)
    assert sorted(arms) == ['retinanet-depth:cwd_tuned',
                            'retinanet-depth:hgd_tuned']
    assert arms['retinanet-depth:hgd_tuned'].options == tuned['hgd']
    assert len(accuracy.setting_arms('retinanet-depth', tuned)) == 4
    with pytest.raises(SystemExit):
        accuracy.parse_args(['--setting-methods', 'fbkd'])


def test_the_reports_seeds_are_those_its_runs_hold():
    """A report resumed with more seeds of one row names every seed its
    runs hold, not only the last invocation's."""
    runs = [dict(method='baseline', seed=s) for s in (0, 1, 2, 3, 4)]
    runs += [dict(method='retinanet-depth:hgd_tuned', seed=s) for s in (5, 6)]
    runs += [dict(method='hgd_no-micro', seed=s) for s in (2, 0, 1)]
    assert accuracy.seeds_held(runs) == dict(
        seeds=[0, 1, 2, 3, 4, 5, 6], ablation_seeds=[0, 1, 2])
