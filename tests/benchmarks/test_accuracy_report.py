"""accuracy_report.markdown: the tables of an accuracy report."""
from hgd_mm_dev.benchmarks.accuracy_report import markdown
from hgd_mm_dev.benchmarks.study import summarize


def report_of(means):
    runs = [dict(method=m, seed=s, split='val', bbox_mAP=v + d,
                 bbox_mAP_50=0.0, bbox_mAP_s=0.0, bbox_mAP_m=0.0,
                 bbox_mAP_l=0.0)
            for m, v in means.items() for s, d in enumerate((-0.2, 0, 0.2))]
    comparisons = [('hgd', 'baseline'), ('hgd', 'pkd'), ('hgd', 'cwd'),
                   ('hgd_no-micro', 'hgd'), ('hgd_fixed-macro', 'hgd')]
    return dict(setting=dict(split='val'), teacher_bbox_mAP=50.0, runs=runs,
                summary=summarize(runs, comparisons))


def test_a_further_setting_is_measured_against_its_own_student_and_teacher():
    report = report_of({'baseline': 20.0, 'hgd': 26.0,
                        'retinanet-depth:baseline': 30.0,
                        'retinanet-depth:hgd': 33.0, 'v3:hints': 27.0})
    report['teacher_bbox_mAP'] = 28.0
    report['teachers'] = {'retinanet-quarter-width': {'bbox_mAP': 28.0},
                          'retinanet-depth': {'bbox_mAP': 36.0}}
    text = markdown(report)
    main, depth = text.split('**Setting `retinanet-depth`**')
    # Main pair: (26 - 20) / (28 - 20) = 75 %; the setting's rows not in it.
    assert '| hgd | 3 | 26.00 | 0.20 |' in main and '| +6.00 | 75% |' in main
    assert 'retinanet-depth:' not in main.split('**Main pair')[1]
    # A candidate's name is no setting: its row stays with the main pair.
    assert '| v3:hints | 3 | 27.00 | 0.20 |' in main
    assert '**Setting `v3`' not in text
    # Setting a: +3 over its own student, (33 - 30) / (36 - 30) = 50 %.
    assert '| retinanet-depth:hgd | 3 | 33.00 |' in depth
    assert '| +3.00 | 50% |' in depth.split('Differences')[0]


def test_a_setting_without_its_teacher_score_gives_no_gap_share():
    report = report_of({'retinanet-depth:baseline': 30.0,
                        'retinanet-depth:hgd': 33.0})
    table = markdown(report).split('**Setting `retinanet-depth`**')[1]
    assert '| +3.00 | n/a |' in table


def test_a_study_on_a_setting_names_it_not_the_main_pair():
    report = report_of({'hgd@x1': 40.0, 'v3:hints': 39.0})
    report['setting'] = dict(split='tune', name='retinanet-depth')
    text = markdown(report)
    assert text.startswith('Setting `retinanet-depth`. Teacher: 50.00 mAP')
    assert '**Setting `retinanet-depth`**' in text and 'Main pair' not in text
    report['setting'] = dict(split='tune', name='retinanet-quarter-width')
    assert markdown(report).startswith('Teacher: 50.00 mAP')
    assert '**Main pair' in markdown(report)


def test_tuned_rows_sit_with_the_methods_and_variants_apart():
    from hgd_mm_dev.benchmarks.accuracy_report import group_of
    assert group_of('hgd_tuned') == group_of('pkd_tuned') == group_of('hgd')
    assert group_of('hgd_no-micro') == 2 and group_of('narrow_hgd') == 1
