"""The speed report's arithmetic: per-round ratios, their median and spread,
the goal verdicts, and the markdown built from them."""
import pytest

from hgd_mm_dev.benchmarks.speed_report import (GOALS, format_markdown,
                                                goal_sentence,
                                                ratio_summaries, summarise)

BASE = 'hgd / (student_only + teacher_forward)'


def rounds_of(*times):
    """Rounds from (student, teacher, hgd, pkd) seconds."""
    names = ('student_only', 'teacher_forward', 'hgd', 'pkd')
    return [{'s_per_iter': dict(zip(names, t))} for t in times]


def test_ratios_are_taken_per_round_not_from_the_medians():
    # A slow second round (a busy neighbour) slows every method alike: the
    # per-round ratios stay 1.1 and 1.2 where a ratio of medians would not.
    rounds = rounds_of((1.0, 1.0, 2.2, 2.2 / 1.2), (3.0, 3.0, 6.6, 5.5),
                       (1.0, 1.0, 2.2, 2.2 / 1.2))
    ratios = ratio_summaries(rounds)
    assert ratios[BASE]['per_round'] == pytest.approx([1.1, 1.1, 1.1])
    assert ratios['hgd / pkd']['per_round'] == pytest.approx([1.2] * 3)
    assert ratios[BASE]['spread'] == pytest.approx(0)
    assert set(ratios) == {BASE, 'hgd / pkd',
                           'pkd / (student_only + teacher_forward)'}


def test_summary_is_median_range_and_largest_distance_from_it():
    summary = summarise([1.0, 1.3, 1.1, 1.05, 1.12])
    assert summary['median'] == 1.1
    assert (summary['min'], summary['max']) == (1.0, 1.3)
    assert summary['spread'] == pytest.approx(0.2)


def test_ratios_need_their_methods():
    rounds = [{'s_per_iter': {'hgd': 1.0, 'pkd': 1.0}}]
    assert set(ratio_summaries(rounds)) == {'hgd / pkd'}  # no base measured


@pytest.mark.parametrize('values, met', [([1.05, 1.08, 1.06], True),
                                         ([1.05, 1.2, 1.06], False),
                                         ([1.12, 1.13, 1.12], False)])
def test_goal_needs_median_and_spread(values, met):
    sentence = goal_sentence(BASE, summarise(values))
    assert f'goal <= {GOALS[BASE]:.2f}' in sentence
    assert sentence.endswith(' met.' if met else 'NOT met.')


def test_markdown_quotes_rounds_ratios_and_profile():
    rounds = rounds_of((1.0, 1.0, 2.1, 2.0), (1.0, 1.0, 2.2, 2.0))
    report = {
        'setting': dict(date='d', cores=2, cores_available=2, cpu='CPU X',
                        load_average_1m_at_start=0.5,
                        load_average_1m_at_end=0.7, torch='t', threads=[1],
                        batch=8, image_size=[160, 160], warmup=3, rounds=2,
                        iters=10, command='python tools/benchmarks/speed.py',
                        keeps_freed_memory=True, profile_steps=5,
                        micro_weights=dict(repeats=7)),
        'runs': [dict(method=m, s_per_iter_median=1.0, peak_mem_mb=1.0,
                      peak_increment_mb=1.0, params_m=1.0,
                      minor_faults_per_iter=3.0)
                 for m in ('student_only', 'teacher_forward', 'hgd', 'pkd')],
        'rounds': rounds,
        'ratios': ratio_summaries(rounds),
        'profile': {'hgd': [dict(part='distillation: connectors',
                                 forward_ms=1.0, backward_ms=2.0,
                                 total_ms=3.0, share=0.25)]},
        'micro_weights': [],
    }
    markdown = format_markdown(report)
    assert '**hgd / (student_only + teacher_forward) = 1.08** (median of 2 ' \
        'rounds; per round 1.05, 1.10; spread +-0.03)' in markdown
    assert '| hgd | 1.000 | 1.08 [1.05, 1.10] | 3 |' in markdown
    assert '| distillation: connectors | 3.0 (1.0 + 2.0) | 25.0 |' in markdown
    assert 'CPU X' in markdown and '`python tools/benchmarks/speed.py`' in \
        markdown


def test_every_v3_candidate_is_held_to_125_percent_of_pkd():
    names = ('hgd', 'pkd', 'v3:hints', 'v3:cross-head')
    rounds = [{'s_per_iter': dict(zip(names, t))}
              for t in ((1.0, 1.0, 1.2, 1.3), (2.0, 2.0, 2.8, 2.4))]
    ratios = ratio_summaries(rounds)
    assert set(ratios) == {'hgd / pkd', 'v3:hints / pkd',
                           'v3:cross-head / pkd'}
    assert ratios['v3:hints / pkd']['per_round'] == pytest.approx([1.2, 1.4])
    assert goal_sentence('v3:hints / pkd', ratios['v3:hints / pkd']).endswith(
        'goal <= 1.25 with a spread within +-0.05 NOT met.')  # median 1.3
    assert 'goal <= 1.25' in goal_sentence('v3:cross-head / pkd',
                                           ratios['v3:cross-head / pkd'])
    assert 'goal' not in goal_sentence('cwd / pkd', ratios['hgd / pkd'])


def test_a_candidate_is_timed_on_hgd_config_with_its_options(monkeypatch):
    from hgd_mm_dev.benchmarks import speed_worker
    from hgd_mm_dev.mini.paths import HGD_CFG
    monkeypatch.setenv('HGD_MINI_DATA', 'data/mini_coco/')
    config, options = speed_worker.config_and_options('v3:hints')
    assert config == HGD_CFG
    assert options == {'model.distiller.hints.type': 'TeacherNeckHints',
                       'model.distiller.micro.teacher_share': 0.0}
    cfg = speed_worker.load_config('v3:hints')
    assert cfg.model.distiller.hints.type == 'TeacherNeckHints'
    assert cfg.model.teacher_ckpt is None
    assert speed_worker.load_config('hgd').model.distiller.get('hints') is None
