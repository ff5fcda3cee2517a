"""HGD's mechanisms as study arms (``hgd+<mechanism>@x<multiplier>``):
the sweep's HGD at that weight with one mechanism on."""
import pytest

from hgd_mm_dev.benchmarks.mechanisms import (MECHANISMS, mechanism_reference,
                                              parse_mechanism_name)
from hgd_mm_dev.benchmarks.study import summarize
from hgd_mm_dev.benchmarks.tuning import arm_named, swept_methods


def runs_of(scores):
    return [dict(method=m, seed=s, split='tune', bbox_mAP=v, bbox_mAP_50=0.0,
                 bbox_mAP_s=0.0, bbox_mAP_m=0.0, bbox_mAP_l=0.0)
            for m, values in scores.items() for s, v in enumerate(values)]


def test_names_parse_into_a_mechanism_and_a_multiplier():
    assert parse_mechanism_name('hgd+hierarchy@bb0.25@x0.125') == (
        'hierarchy@bb0.25', 0.125)
    assert mechanism_reference('hgd+review@x2') == 'hgd@x2'
    for other in ('hgd@x0.125', 'hgd+hints', 'hgd+nothing@x1',
                  'hgd+hints@x0', 'hgd+hints@x-1', 'hgd+hints@xone',
                  'v3:hints'):
        assert parse_mechanism_name(other) is None, other
    assert [m for m in MECHANISMS if not MECHANISMS[m].beyond_fpn] == [
        'distribution@g1', 'distribution@g3', 'cross-head', 'fixed-macro',
        'no-micro', 'no-teacher-confidence', 'no-distribution']


def test_mechanism_arms_add_one_mechanism_to_the_sweeps_hgd():
    """``hgd+<mechanism>@x<m>`` is the sweep's ``hgd@x<m>`` with one of HGD
    v3's mechanisms on: built on tiny real detectors, its distiller runs at
    that total weight with the mechanism's group of terms beside the neck
    levels, and the report compares it with that sweep arm, which is then
    no sweep of its own."""
    arm = arm_named('hgd+hints@x0.125')
    reference = arm_named('hgd@x0.125')
    assert arm.config == reference.config
    assert arm.options == {**reference.options,
                           'model.distiller.hints.type': 'TeacherNeckHints'}
    names = ['hgd@x0.125', 'hgd+hints@x0.125']
    summary = summarize(runs_of({'hgd@x0.125': [44.0, 44.5],
                                 'hgd+hints@x0.125': [45.0, 45.5]}),
                        [('hgd+hints@x0.125', 'hgd@x0.125')])
    assert 'hgd@x0.125' not in swept_methods(summary['methods'], names)
    for wrong in ('hgd+hints', 'hgd+nothing@x0.125', 'hgd+hints@x0',
                  'hgd+hints@xone'):
        with pytest.raises(ValueError, match='is not an arm'):
            arm_named(wrong)


def distiller_of(options):
    """The distiller an arm's ``model.distiller.*`` options build, on tiny
    real detectors."""
    from helpers import build, hgd_algorithm, tiny_retinanet
    distiller = {}
    for key, value in options.items():
        node = distiller
        *parents, leaf = key[len('model.distiller.'):].split('.')
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return build(hgd_algorithm(tiny_retinanet(18, 8, 16),
                               tiny_retinanet(50, 16, 16),
                               distiller=distiller)).distiller


@pytest.mark.parametrize('mechanism, group', [
    ('hierarchy', 'backbone'), ('hierarchy@bb0.25', 'backbone'),
    ('hierarchy+decay', 'backbone'), ('hints', 'hint'),
    ('hints+decay', 'hint'), ('review', 'hint'), ('review@hint0.5', 'hint'),
    ('review@hint2', 'hint'), ('review@hint4', 'hint'),
    ('cross-head', 'cross_head')])
def test_each_mechanism_adds_its_group_beside_the_neck(mechanism, group):
    """Every mechanism arm builds: the neck levels keep their weights (1/5
    each: a group added never dilutes them), its own group is there, at
    the weight its name gives beside the neck's (else the neck's) or
    decaying where its name says so, and the whole runs at the arm's total
    weight."""
    assert set(MECHANISMS) == {
        'hierarchy', 'hierarchy@bb0.25', 'hierarchy+decay', 'hints',
        'hints+decay', 'review', 'review@hint0.5', 'review@hint2',
        'review@hint4', 'distribution@g1', 'distribution@g3', 'cross-head',
        'fixed-macro', 'no-micro', 'no-teacher-confidence',
        'no-distribution'}
    distiller = distiller_of(
        arm_named(f'hgd+{mechanism}@x0.5').options)
    assert distiller.schedule() == pytest.approx(15.0 * 0.5)
    macro = distiller.macro
    assert group in macro.stage_groups
    share = {'hierarchy@bb0.25': 0.25, 'review@hint0.5': 0.5,
             'review@hint2': 2.0, 'review@hint4': 4.0}.get(mechanism, 1.0)
    for g, weight in zip(macro.stage_groups, macro.stage_weights):
        expected = (share if g == group else 1.0) / macro.stage_groups.count(g)
        assert float(weight) == pytest.approx(expected)
    decays = {g: s.decay for g, s in macro.group_schedules.items()}
    assert decays == ({group: 'cosine'} if mechanism.endswith('+decay')
                      else {})


def test_each_default_switched_off_is_the_main_pairs_ablation():
    """``hgd+fixed-macro``, ``hgd+no-micro``, ``hgd+no-teacher-confidence``
    and ``hgd+no-distribution`` are the sweep's HGD with one default off:
    the option is the one the main pair's ablation config sets, and the
    distiller built from the arm lacks the mechanism its reference has."""
    from mmengine.config import Config

    from hgd_mm_dev.benchmarks.accuracy import ABLATIONS
    for variant in ('fixed-macro', 'no-micro', 'no-teacher-confidence',
                    'no-distribution'):
        ablation = Config.fromfile(ABLATIONS[f'hgd_{variant}'].config)
        for key, value in MECHANISMS[variant].options.items():
            node = ablation
            for part in key.split('.'):
                node = node[part]
            assert node == value, (variant, key)
    reference = distiller_of(arm_named('hgd@x0.125').options)
    assert reference.macro.mode == 'gap'
    assert reference.micro is not None and reference.micro.teacher_share > 0
    fixed = distiller_of(arm_named('hgd+fixed-macro@x0.125').options)
    assert fixed.macro.mode == 'fixed' and fixed.micro is not None
    assert distiller_of(arm_named('hgd+no-micro@x0.125').options).micro is None
    no_confidence = distiller_of(
        arm_named('hgd+no-teacher-confidence@x0.125').options)
    assert no_confidence.micro is not None
    assert no_confidence.micro.teacher_share == 0.0
    assert no_confidence.macro.mode == 'gap'
    assert no_confidence.schedule() == pytest.approx(15.0 * 0.125)
    assert reference.imitation_loss.gamma == 1.0
    no_distribution = distiller_of(
        arm_named('hgd+no-distribution@x0.125').options)
    assert no_distribution.imitation_loss.gamma == 0.0
    assert no_distribution.micro is not None


@pytest.mark.parametrize('gamma', [1.0, 3.0])
def test_distribution_arms_add_the_channel_divergence_to_the_levels(gamma):
    """``hgd+distribution@g<gamma>`` is the sweep's HGD whose imitation loss
    adds gamma times the channel-wise divergence to its feature term, on the
    same neck levels, weights and total weight as its reference (HGD v3's
    default since: gamma=1 is the reference itself)."""
    arm = arm_named(f'hgd+distribution@g{gamma:g}@x0.125')
    distiller = distiller_of(arm.options)
    loss = distiller.imitation_loss
    assert (loss.attention, loss.gamma, loss.alpha, loss.tau) == (
        'channel_distribution', gamma, 1.0, 1.0)
    reference = distiller_of(arm_named('hgd@x0.125').options)
    assert reference.imitation_loss.attention == 'channel_distribution'
    assert reference.imitation_loss.gamma == 1.0
    assert distiller.macro.stage_groups == reference.macro.stage_groups
    assert distiller.schedule() == pytest.approx(reference.schedule())
