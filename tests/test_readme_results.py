"""The README's result tables equal what docs/results/*.json say."""
import json
import os.path as osp

from hgd_mm_dev.benchmarks import readme as update

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_readme_tables_equal_the_json():
    with open(osp.join(REPO, 'README.md')) as f:
        readme = f.read()
    for name in update.SECTIONS:
        assert f'<!-- results:{name}:start -->' in readme, name
    assert update.render(readme) == readme, (
        'README.md tables differ from docs/results/*.json: run '
        'python tools/benchmarks/update_readme.py')


def test_sections_use_headings_below_their_readme_heading(tmp_path):
    # a speed section under a level-3 heading: no title of its own, its
    # sections at level 4 (a '#' would break the README's outline)
    report = dict(
        setting=dict(date='d', cores=2, cores_available=2, cpu='c',
                     load_average_1m_at_start=0.1, torch='t', threads=[2],
                     batch=8, image_size=[160, 160], warmup=1, rounds=2,
                     iters=2, profile_steps=1, micro_weights=dict(repeats=3)),
        runs=[dict(method='hgd', s_per_iter_median=0.1, peak_mem_mb=1.0,
                   peak_increment_mb=1.0, params_m=1.0)],
        ratios={},
        profile={'hgd': [dict(part='teacher forward', forward_ms=1.0,
                              backward_ms=0.0, total_ms=1.0, share=1.0)]},
        micro_weights=[dict(boxes=10, ms=1.0), dict(boxes=100, ms=9.0)])
    (tmp_path / 'speed.json').write_text(json.dumps(report))
    readme = ('# Title\n\n```bash\n# a comment, not a heading\n```\n\n'
              '### Speed\n\n<!-- results:speed:start -->\nold\n'
              '<!-- results:speed:end -->\n')
    rendered = update.render(readme, results=str(tmp_path))
    section = rendered.split('<!-- results:speed:start -->')[1]
    headings = [line for line in section.splitlines()
                if line.startswith('#')]
    assert headings == ['#### Where the time of a step goes',
                        '#### Micro weights (MicroReweighting alone)']
    assert '| hgd | 0.100 |' in section


def test_readme_v3_outcome_follows_the_candidates_tables():
    """The README's outcome of HGD v3's candidates ("the only candidate
    above hgd@x1 on both pairs ... every other below it on both") is what
    the two tables say."""
    means = []
    for name in ('tuning_v3', 'tuning_v3_retinanet-depth'):
        with open(osp.join(REPO, 'docs', 'results', f'{name}.json')) as f:
            methods = json.load(f)['summary']['methods']
        means.append({m: v['mean'] for m, v in methods.items()})
    candidates = [m for m in means[0] if m.startswith('v3:') and
                  all(m in table for table in means)]
    # the reference: HGD v2 as shipped (named hgd@x1 while it was the
    # sweep's HGD, v3:v2 since)
    ref = [r if r in t else 'hgd@x1' for t in means for r in ('v3:v2', )]
    candidates = [c for c in candidates if c != 'v3:v2']
    above = [c for c in candidates
             if all(t[c] > t[r] for t, r in zip(means, ref))]
    below = [c for c in candidates
             if all(t[c] < t[r] for t, r in zip(means, ref))]
    assert above == ['v3:teacher-confidence']
    assert sorted(below) == sorted(set(candidates) - set(above))
    with open(osp.join(REPO, 'README.md')) as f:
        readme = f.read()
    assert ('`v3:teacher-confidence` is\nthe only candidate whose mean is '
            'above `hgd@x1`\'s on both pairs') in readme


def test_readme_teacher_figures_of_the_earlier_sweeps_follow_the_json():
    """The three teachers the README names (two earlier sweeps', and the
    reference teacher of docs/results/tuning.json), trained from the same
    inputs on three machines, are the reports'."""
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    reports = {}
    for name in ('archive/tuning_first_teacher',
                 'archive/tuning_second_teacher', 'tuning'):
        with open(osp.join(REPO, 'docs', 'results', f'{name}.json')) as f:
            reports[name] = json.load(f)
    first, second, reference = (r['teacher_bbox_mAP']
                                for r in reports.values())
    assert len({first, second, reference}) == 3
    assert (f'a teacher scoring {first:.1f} mAP on `tune`; retrained from the '
            f'same data, config and seed on another machine, it scored '
            f'{second:.1f}') in readme
    assert f'and on the next {reference:.1f}, although' in readme
    assert (f'trained afresh on three machines, scored {first:.1f}, '
            f'{second:.1f} and {reference:.1f}') in readme
    # the same teacher config, data and seed
    assert len({r['setting']['teacher'] for r in reports.values()}) == 1
    keys = {r['teacher_key'] for report in reports.values()
            for r in report['runs']}
    assert len(keys) == 1, 'same inputs, same teacher key'
    # the reference sweep's teacher is the committed one
    from hgd_mm_dev.mini import reference
    entry = reference.find(keys.pop(), reference.REFERENCE_ROOT)
    assert (reports['tuning']['teacher_weights']['retinanet-quarter-width']
            == entry['record']['weights_sha256'])


def test_readme_sharper_outcome_follows_the_json():
    """The README's reading of the EMA study (spreads, the per-seed gap of
    the averaged model, both means lower) is what sharper.json says."""
    with open(osp.join(REPO, 'docs', 'results', 'sharper.json')) as f:
        report = json.load(f)
    methods = report['summary']['methods']
    plain, ema01, ema003 = (methods[m] for m in (
        'baseline', 'baseline+ema@0.01', 'baseline+ema@0.003'))
    seeds = {(r['method'], r['seed']): r['bbox_mAP'] for r in report['runs']}
    gaps = [seeds[('baseline', s)] - seeds[('baseline+ema@0.01', s)]
            for s in range(5)]
    assert min(gaps) > 0, 'below the last weights on every seed'
    assert plain['n'] == ema01['n'] == ema003['n'] == 5
    assert ema01['std'] > plain['std'] and ema003['std'] > plain['std']
    assert ema01['mean'] < plain['mean'] and ema003['mean'] < plain['mean']
    assert {r['precision'] for r in report['runs']} == {'fp32'}
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    assert (f"The plain student's tune seed std is {plain['std']:.2f} mAP; "
            f"with the EMA it is {ema01['std']:.2f} at momentum 0.01 and "
            f"{ema003['std']:.2f} at 0.003, and both means are lower"
            ) in readme
    assert (f'on every seed, by {min(gaps):.1f} to {max(gaps):.1f} mAP'
            ) in readme


def test_readme_archived_benchmark_v2_teacher_follows_the_json():
    with open(osp.join(REPO, 'docs', 'results', 'archive',
                       'accuracy_benchmark_v2.json')) as f:
        teacher = json.load(f)['teacher_bbox_mAP']
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    assert (f'distilled from a teacher no machine can train again '
            f'({teacher:.1f} `val` mAP)') in readme


def test_readme_val_sampling_reading_follows_the_json():
    """The README's reading of the val-sampling study (how large the val
    set's part of a seed's spread is, and what 4x the images would leave of
    the plain student's) is the JSON's."""
    with open(osp.join(REPO, 'docs', 'results', 'val_sampling.json')) as f:
        report = json.load(f)
    methods = report['methods']
    parts = [m['sampling_std'] for m in methods.values()]
    plain = methods['baseline']
    assert plain['std_at_4x_val'] > 0.5, 'no lever for the <= 0.5 target'
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    assert (f"{report['setting']['precision'][0]}, "
            f"{report['setting']['resamples']} resamples") in readme
    assert (f"the `val` set's part of a seed's mAP is {min(parts):.2f} to "
            f"{max(parts):.2f} mAP (std) for the {len(parts)} methods "
            f"measured") in readme
    assert (f"the plain student's seed std ({plain['seeds']} seeds) would "
            f"go from {plain['seed_std']:.2f} to "
            f"{plain['std_at_4x_val']:.2f} mAP") in readme


def test_readme_setting_a_sweep_reading_follows_the_json():
    """The README's reading of setting a's weight sweep (each method's best
    multiplier and its mean, inside the grid, the grid >= 4 points over
    >= 8x) is what tuning_retinanet-depth.json says."""
    with open(osp.join(REPO, 'docs', 'results',
                       'tuning_retinanet-depth.json')) as f:
        sweep = json.load(f)['sweep']
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    names = {'hgd': 'HGD', 'pkd': 'PKD', 'cwd': 'CWD', 'mgd': 'MGD'}
    for method, name in names.items():
        entry = sweep[method]
        best = entry['best']
        multipliers = [p['multiplier'] for p in entry['points']]
        assert not best['at_edge'] and best['n'] == 2
        assert len(multipliers) >= 4 and \
            max(multipliers) / min(multipliers) >= 8
        mean = next(p['mean'] for p in entry['points']
                    if p['multiplier'] == best['multiplier'])
        assert f"{name} x{best['multiplier']:g} ({mean:.2f}" in readme

    def best_mean(entry):
        return next(p['mean'] for p in entry['points']
                    if p['multiplier'] == entry['best']['multiplier'])

    hgd, cwd = best_mean(sweep['hgd']), best_mean(sweep['cwd'])
    assert f'it is {hgd - cwd:.2f} mAP above CWD\'s' in readme
    # HGD before the hands-on term became its default (archived sweep)
    with open(osp.join(REPO, 'docs', 'results', 'archive',
                       'tuning_retinanet-depth_hgd_models_bba3216.json')) as f:
        before = json.load(f)['sweep']['hgd']
    assert (f"whose best was the same x{before['best']['multiplier']:g} at "
            f"{best_mean(before):.2f} mAP") in readme
    assert before['best']['multiplier'] == sweep['hgd']['best']['multiplier']
    assert abs(best_mean(before) - cwd) <= 0.1 + 1e-9
    assert 'where HGD without the term was within 0.1 mAP of CWD' in readme


def setting_reading(setting):
    """A setting's row of accuracy.json's matrix, as the README reads it:
    the matrix row's HGD and best peer, the gap each closes (%), the peer's
    name, the README's sentences on them (``versus``; ``gap``, for the
    settings beyond a) and the README's text."""
    with open(osp.join(REPO, 'docs', 'results', 'accuracy.json')) as f:
        report = json.load(f)
    row = report['matrix'][setting]
    best = row['hgd_vs_best_peer']
    methods = row['methods']
    hgd, peer = methods[best['method']], methods[best['reference']]
    teacher = report['teachers'][setting]['bbox_mAP']
    plain = methods['baseline']['mean']
    closed = [100 * (m['mean'] - plain) / (teacher - plain)
              for m in (hgd, peer)]
    name = best['reference'].split('_')[0].upper()
    versus = (f"HGD {hgd['mean']:.2f} mAP against the best tuned peer, "
              f"{name}, at {peer['mean']:.2f}, a difference of "
              f"{best['diff']:+.2f} [{best['low']:+.2f}, "
              f"{best['high']:+.2f}]")
    gap = (f"HGD closes {closed[0]:.0f} % of the teacher - student gap "
           f"there, {name} {closed[1]:.0f} %")
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    return dict(best=best, methods=methods, hgd=hgd, peer=peer,
                closed=closed, name=name, versus=versus, gap=gap,
                readme=readme)


def test_readme_setting_a_val_reading_follows_the_json():
    """The README's reading of setting a on val (HGD and the best tuned
    peer, their difference and interval, the gap closed) is the matrix's."""
    reading = setting_reading('retinanet-depth')
    best, methods = reading['best'], reading['methods']
    assert reading['hgd']['n'] >= 5 and reading['peer']['n'] >= 5
    assert best['low'] > 0 and best['diff'] >= 1.0, (
        'the README says: a lead above the +1.0 goal, the interval above 0')
    assert reading['closed'][0] >= 90, 'the README says: the goal is met'
    assert {m: v['n'] for m, v in methods.items()} == {
        'baseline': 5, 'pkd_tuned': 5, 'mgd_tuned': 5, 'hgd_tuned': 9,
        'cwd_tuned': 9}, 'the README says: 5 seeds, HGD and CWD at 9'
    assert reading['versus'] in reading['readme']
    assert (f"HGD closes {reading['closed'][0]:.0f} % of the teacher"
            in reading['readme'])
    # HGD without the term: the row of the archived report
    with open(osp.join(REPO, 'docs', 'results', 'archive',
                       'accuracy_hgd_models_bba3216.json')) as f:
        before = json.load(f)['matrix']['retinanet-depth']
    was = before['hgd_vs_best_peer']
    hgd = before['methods']['hgd_tuned']['mean']
    plain = before['methods']['baseline']['mean']
    with open(osp.join(REPO, 'docs', 'results', 'accuracy.json')) as f:
        teacher = json.load(f)['teachers']['retinanet-depth']['bbox_mAP']
    assert (f"without the term (the default of then, archived) it was "
            f"{hgd:.2f}, {was['diff']:+.2f} [{was['low']:+.2f}, "
            f"{was['high']:+.2f}] and "
            f"{100 * (hgd - plain) / (teacher - plain):.0f} %"
            ) in reading['readme']


def test_readme_setting_b_teacher_follows_the_manifest():
    with open(osp.join(REPO, 'dev', 'reference', 'manifest.json')) as f:
        manifest = json.load(f)
    teacher = next(e for e in manifest.values()
                   if e['name'] == 'teacher_faster-rcnn-depth')
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    assert (f"Faster R-CNN R34-w32, {teacher['record']['bbox_mAP']:.1f} "
            f"`val` mAP") in readme


def test_readme_ablation_reading_follows_the_json():
    """The README's reading of HGD's ablations (HGD minus each, with its
    interval, every one above 0 at 5 seeds) is accuracy.json's."""
    with open(osp.join(REPO, 'docs', 'results', 'accuracy.json')) as f:
        report = json.load(f)
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    names = {'hgd_fixed-macro': '`gap` stage weights',
             'hgd_no-micro': 'micro weights',
             'hgd_no-teacher-confidence': "the teacher's confidence",
             'hgd_no-consistency': 'the consistency normalisation'}
    found = {d['method']: d for d in report['summary']['differences']
             if d['reference'] == 'hgd' and d['method'] in names}
    assert set(found) == set(names)
    for method, diff in found.items():
        assert diff['n_a'] >= 5 and diff['n_b'] >= 5
        gain, low, high = -diff['diff'], -diff['high'], -diff['low']
        assert low > 0, f'{method}: the README says above 0'
        text = f'{gain:+.2f} [{low:+.2f}, {high:+.2f}]'
        assert f'{names[method]} {text}' in readme
    confidence = found['hgd_no-teacher-confidence']
    assert (f"On `val` it adds {-confidence['diff']:+.2f} "
            f"[{-confidence['high']:+.2f}, {-confidence['low']:+.2f}] mAP "
            f"on the main pair") in readme


def test_readme_mechanisms_at_the_tuned_weight_follow_the_json():
    """The README's outcome of HGD v3's mechanisms at the tuned weight
    (which are above HGD on which split, by how much, and review-style
    fusion on setting a's val) is what the two tuning reports and the
    accuracy report of then (archived) say."""
    def differences(name):
        with open(osp.join(REPO, 'docs', 'results', f'{name}.json')) as f:
            found = json.load(f)['summary']['differences']
        return {d['method']: d for d in found
                if d['reference'] == 'hgd@x0.125'}

    def interval(d):
        return f"{d['diff']:+.2f} [{d['low']:+.2f}, {d['high']:+.2f}]"

    depth = differences('tuning_v3-mechanisms_retinanet-depth')
    main = differences('tuning_v3-mechanisms')
    # on val: HGD without the hands-on term, the archived report
    with open(osp.join(REPO, 'docs', 'results', 'archive',
                       'accuracy_hgd_models_bba3216.json')) as f:
        report = json.load(f)
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    beyond = ['hgd+hierarchy@x0.125', 'hgd+hierarchy@bb0.25@x0.125',
              'hgd+hints@x0.125', 'hgd+review@x0.125']
    assert [m for m in beyond if depth[m]['diff'] > 0] == [
        'hgd+review@x0.125']
    assert all(depth[m]['n_a'] >= 3 and depth[m]['n_b'] >= 3 for m in depth)
    assert ('(HGD with them minus HGD: `hierarchy` {:+.2f}, '
            '`hierarchy@bb0.25` {:+.2f}, `hints` {:+.2f} mAP on `tune`)'
            .format(*(depth[m]['diff'] for m in beyond[:3]))) in readme
    assert (f"setting a's `tune` split, "
            f"{interval(depth['hgd+review@x0.125'])}") in readme
    review = 'retinanet-depth:hgd+review@x0.125'
    methods = report['summary']['methods']
    on_val = next(d for d in report['summary']['differences']
                  if d['method'] == review)
    assert on_val['reference'] == 'retinanet-depth:hgd_tuned'
    assert on_val['n_a'] >= 5 and on_val['n_b'] >= 5
    hgd = methods['retinanet-depth:hgd_tuned']
    assert (f"{methods[review]['mean']:.2f} +- {methods[review]['std']:.2f} "
            f"against HGD's {hgd['mean']:.2f} +- {hgd['std']:.2f} "
            f"({on_val['n_a']} seeds each), a difference of "
            f"{interval(on_val)}, which does not meet the goal") in readme
    assert on_val['n_a'] == on_val['n_b']
    assert (f"review-style hints came closest: {interval(on_val)} mAP on "
            f"setting a's `val`, below HGD on the main pair's `tune`"
            ) in readme
    assert not (on_val['diff'] >= 0.5 and on_val['low'] > 0)
    two_stage = next(d for d in report['summary']['differences']
                     if d['method'] == 'faster-rcnn-depth:hgd+review@x0.125')
    assert two_stage['reference'] == 'faster-rcnn-depth:hgd_tuned'
    assert two_stage['n_a'] >= 5 and two_stage['n_b'] >= 5
    assert two_stage['low'] < 0 < two_stage['high']
    assert (f"On setting b (`faster-rcnn-depth`, `val`, {two_stage['n_a']} "
            f"seeds) it is {interval(two_stage)} against HGD: not told "
            f"apart.") in readme
    assert main['hgd+review@x0.125']['diff'] < 0
    assert (f"below HGD on `tune` ({main['hgd+review@x0.125']['diff']:+.2f})"
            in readme)
    cross = {f"{d['hgd+cross-head@x0.125']['diff']:+.2f}"
             for d in (depth, main)}
    assert cross == {'+0.20'}
    assert "Cross-head mimicry is +0.20 above HGD on both pairs'" in readme


def test_readme_setting_b_val_reading_follows_the_json():
    """The README's reading of setting b on val (the two-stage detector at
    setting a's weights: HGD level with the best tuned peer, the interval
    around 0, HGD without the hands-on term behind it, the gap each
    closes) is the matrix's."""
    reading = setting_reading('faster-rcnn-depth')
    best = reading['best']
    assert best['method'] == 'hgd_tuned' and best['reference'].endswith(
        '_tuned')
    assert reading['hgd']['n'] >= 5 and reading['peer']['n'] >= 5
    assert best['low'] < 0 < best['high'], 'the README says: level'
    assert (f"Setting b (`faster-rcnn-depth`), 5 seeds at setting a's "
            f"weights unchanged: {reading['versus']}") in reading['readme']
    assert reading['gap'] in reading['readme']
    with open(osp.join(REPO, 'docs', 'results', 'archive',
                       'accuracy_hgd_models_bba3216.json')) as f:
        was = json.load(f)['matrix']['faster-rcnn-depth']['hgd_vs_best_peer']
    assert was['high'] < 0
    assert (f"without the hands-on term it was {was['diff']:+.2f} "
            f"[{was['low']:+.2f}, {was['high']:+.2f}] behind"
            ) in reading['readme']


def test_readme_setting_d_val_reading_follows_the_json():
    """The README's reading of setting d on val (across families at setting
    a's weights: HGD ahead of the best tuned peer with the interval above
    0, the gap each closes, the plain student's spread, the interval
    against the Sharper target, HGD's spread against the peer's, and the
    backbones' pre-training accuracies behind the weak student) is the
    JSON's."""
    reading = setting_reading('resnet-mobilenetv2')
    best = reading['best']
    readme = reading['readme']
    assert best['method'] == 'hgd_tuned' and best['low'] > 0, (
        'the README says: HGD\'s defaults travel best')
    assert {m: v['n'] for m, v in reading['methods'].items()} == {
        **{m: 5 for m in ('baseline', 'cwd_tuned', 'mgd_tuned')},
        'hgd_tuned': 18, 'pkd_tuned': 18}, (
        'the README says: 5 seeds, HGD and PKD 18')
    assert best['reference'] == 'pkd_tuned'
    assert ("5 seeds (HGD and PKD, the best tuned peer, 18) at setting a's "
            f"weights unchanged: {reading['versus']}") in readme
    assert reading['gap'] in readme
    plain = reading['methods']['baseline']
    half = (best['high'] - best['low']) / 2
    assert plain['std'] > 0.5
    verdict = 'is within' if half <= 0.7 else 'misses'
    assert (f"({plain['mean']:.2f} mAP plain)" in readme and
            f"its plain student's seed std ({plain['std']:.2f}) misses the "
            f"\"Sharper\" target, and with 18 seeds each the interval "
            f"(+-{half:.2f}) {verdict} the +-0.7 the target takes instead"
            in readme)
    hgd, peer = reading['hgd']['std'], reading['peer']['std']
    assert (f"HGD's seed std there, {hgd:.2f}, is "
            f"{'at most' if hgd <= peer else 'above'} PKD's {peer:.2f}"
            ) in readme
    with open(osp.join(REPO, 'dev', 'reference', 'manifest.json')) as f:
        accuracy = {e['name']: e['record']['val_accuracy']
                    for e in json.load(f).values()
                    if e['kind'] == 'pretrained'}
    assert (f"MobileNetV2 backbone reaches "
            f"{accuracy['mobilenetv2-x0.5']:.2f} held-out crop accuracy" in
            readme)
    assert (f"ResNet-18 at width 32 reaches "
            f"{accuracy['resnet18-w32']:.2f}" in readme)


def test_readme_setting_c_val_reading_follows_the_json():
    """The README's reading of setting c on val (the anchor-free detector at
    setting a's weights: HGD ahead of the best tuned peer with the interval
    above 0, the gap each closes, the teacher's score) is the JSON's."""
    reading = setting_reading('fcos-depth')
    best = reading['best']
    readme = reading['readme']
    assert best['method'] == 'hgd_tuned' and best['low'] > 0, (
        'the README says: HGD\'s defaults travel to the anchor-free detector')
    assert all(v['n'] == 5 for v in reading['methods'].values()), (
        'the README says: 5 seeds')
    assert (f"Setting c (`fcos-depth`: anchor-free, FCOS R34-w32 -> "
            f"R18-w32), 5 seeds at setting a's weights unchanged: "
            f"{reading['versus']}") in readme
    assert reading['gap'] in readme
    with open(osp.join(REPO, 'docs', 'results', 'accuracy.json')) as f:
        teacher = json.load(f)['teachers']['fcos-depth']['bbox_mAP']
    assert f"FCOS R34-w32, {teacher:.1f} `val` mAP" in readme


def test_readme_reviews_group_weight_follows_the_json():
    """The README's reading of review's group weight (review minus HGD at
    0.5, 1, 2 and 4 on both pairs' tune splits: none above HGD on both) is
    what the two tuning reports say."""
    weights = ('hgd+review@hint0.5@x0.125', 'hgd+review@x0.125',
               'hgd+review@hint2@x0.125', 'hgd+review@hint4@x0.125')
    found = {}
    for name in ('tuning_v3-mechanisms_retinanet-depth',
                 'tuning_v3-mechanisms'):
        with open(osp.join(REPO, 'docs', 'results', f'{name}.json')) as f:
            found[name] = {d['method']: d for d in
                           json.load(f)['summary']['differences']
                           if d['reference'] == 'hgd@x0.125'}
    depth = [found['tuning_v3-mechanisms_retinanet-depth'][w] for w in weights]
    main = [found['tuning_v3-mechanisms'][w] for w in weights]
    assert all(d['n_a'] >= 3 for d in depth) and all(
        d['n_a'] >= 2 for d in main)
    assert not any(a['diff'] > 0 and b['diff'] > 0
                   for a, b in zip(depth, main)), (
        'the README says: no weight is above HGD on both pairs')
    assert all(d[3]['diff'] == min(x['diff'] for x in d)
               for d in (depth, main)), 'the README says: 4 costs most'
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    assert ('setting a (3 seeds): {:+.2f}, {:+.2f}, {:+.2f}, {:+.2f}; main '
            'pair (2 seeds): {:+.2f}, {:+.2f}, {:+.2f}, {:+.2f} mAP'.format(
                *(d['diff'] for d in depth + main))) in readme


def test_readme_distribution_term_on_tune_follows_the_json():
    """The README's reading of the channel-distribution term on the tune
    splits (HGD with it minus HGD at g = 1 and 3 on settings b, a and the
    main pair; setting b's HGD, HGD with it, and CWD) is the three tuning
    reports'."""
    found = {}
    for pair, name in (('b', 'tuning_v3-distribution_faster-rcnn-depth'),
                       ('a', 'tuning_v3-distribution_retinanet-depth'),
                       ('main', 'tuning_v3-distribution')):
        with open(osp.join(REPO, 'docs', 'results', f'{name}.json')) as f:
            found[pair] = json.load(f)['summary']
    g1, g3 = 'hgd+distribution@g1@x0.125', 'hgd+distribution@g3@x0.125'

    def diff(pair, arm):
        d = next(d for d in found[pair]['differences']
                 if (d['method'], d['reference']) == (arm, 'hgd@x0.125'))
        assert d['n_a'] >= 2 and d['n_b'] >= 2
        return d['diff']

    ones = [diff(pair, g1) for pair in ('b', 'a', 'main')]
    threes = [diff(pair, g3) for pair in ('b', 'a', 'main')]
    assert all(d > 0 for d in ones), 'the README says: above HGD on all'
    assert all(a >= b for a, b in zip(ones, threes)), 'g = 1 is the pick'
    b = found['b']['methods']
    hgd, with_term, cwd = (b[m]['mean']
                           for m in ('hgd@x0.125', g1, 'cwd@x0.125'))
    assert abs(with_term - cwd) < 0.05 < cwd - hgd, 'level with CWD on b'
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    assert ('pairs: setting b {:+.2f}, setting a {:+.2f}, main pair {:+.2f} '
            'mAP (`g` = 3: {:+.2f}, {:+.2f}, {:+.2f})'.format(
                *ones, *threes)) in readme
    assert (f'HGD level with CWD ({hgd:.2f} -> {with_term:.2f} mAP, CWD '
            f'{cwd:.2f}), where HGD was {cwd - hgd:.2f} below it') in readme


DISTRIBUTION = 'hgd+distribution@g1@x0.125'
#: The settings, as the README names them, in its table's order.
SETTING_NAMES = (('a', 'retinanet-depth'), ('b', 'faster-rcnn-depth'),
                 ('c', 'fcos-depth'), ('d', 'resnet-mobilenetv2'))


def distribution_on_val(report, setting):
    """The channel-distribution candidate's row of a setting in
    accuracy.json: its mean, std and seeds, its difference to the setting's
    tuned HGD and to the best tuned peer (the matrix's), and the gap it
    closes (%)."""
    row = f'{setting}:{DISTRIBUTION}'
    summary = report['summary']
    peer = report['matrix'][setting]['hgd_vs_best_peer']['reference']

    def versus(reference):
        return next(d for d in summary['differences']
                    if (d['method'], d['reference']) ==
                    (row, f'{setting}:{reference}'))

    mine = summary['methods'][row]
    plain = report['matrix'][setting]['methods']['baseline']['mean']
    teacher = report['teachers'][setting]['bbox_mAP']
    return dict(mean=mine['mean'], std=mine['std'], n=mine['n'],
                hgd=versus('hgd_tuned'), peer=versus(peer),
                peer_name=peer.split('_')[0].upper(),
                closed=100 * (mine['mean'] - plain) / (teacher - plain))


def test_readme_distribution_term_on_val_follows_the_json():
    """The README's table of the channel-distribution term on val (per
    setting: its mean, std and seeds, minus HGD, minus the best tuned peer)
    and its reading against issue 19's goals are those of the report as it
    stood before the term became HGD's default (archived: HGD's rows there
    are the previous default's)."""
    with open(osp.join(REPO, 'docs', 'results', 'archive',
                       'accuracy_hgd_models_bba3216.json')) as f:
        report = json.load(f)
    with open(osp.join(REPO, 'README.md')) as f:
        readme = f.read()
    flat = ' '.join(readme.split())

    def interval(d):
        return f"{d['diff']:+.2f} [{d['low']:+.2f}, {d['high']:+.2f}]"

    found = {}
    for letter, setting in SETTING_NAMES:
        row = found[letter] = distribution_on_val(report, setting)
        assert row['n'] >= 5 and row['hgd']['n_b'] >= 5
        assert row['peer']['n_b'] >= 5
        assert (f"| {letter} (`{setting}`) | {row['mean']:.2f} +- "
                f"{row['std']:.2f} ({row['n']}) | {interval(row['hgd'])} | "
                f"{interval(row['peer'])} ({row['peer_name']}) |") in readme
    a, b = found['a'], found['b']
    assert a['peer']['diff'] >= 1.0 and a['peer']['low'] > 0 and (
        a['closed'] >= 90), 'the README says: both of a\'s goals met'
    assert (f"leads the best tuned peer by {a['peer']['diff']:+.2f} with the "
            f"interval above 0 and closes {a['closed']:.0f} % of the teacher "
            f"- student gap") in flat
    assert b['peer']['low'] < 0 < b['peer']['high'], 'level on b'
    assert (f"on setting b it is level with {b['peer_name']} "
            f"({interval(b['peer'])})") in flat
    assert all(found[s]['peer']['low'] > 0 for s in 'cd')
    assert all(found[s]['hgd']['low'] > 0 for s in 'abcd'), (
        'the README says: above HGD on every setting')


def test_readme_hgds_default_path_is_unchanged_by_the_term():
    """The README's evidence that HGD's default path runs the same code
    with the term in it: HGD's tune runs on setting b before (the defaults
    study) and after (the distribution study), on the same CPU, score the
    same."""
    def hgd_runs(name):
        with open(osp.join(REPO, 'docs', 'results', f'{name}.json')) as f:
            runs = json.load(f)['runs']
        return {r['seed']: r for r in runs if r['method'] == 'hgd@x0.125'}

    before = hgd_runs('tuning_defaults_faster-rcnn-depth')
    after = hgd_runs('tuning_v3-distribution_faster-rcnn-depth')
    assert sorted(before) == sorted(after) == [0, 1]
    for seed in (0, 1):
        assert before[seed]['arm_key'] != after[seed]['arm_key']
        assert before[seed]['cpu'] == after[seed]['cpu']
        assert before[seed]['bbox_mAP'] == after[seed]['bbox_mAP']
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    assert ('on the same CPU, gave the same {:.1f} and {:.1f} mAP'.format(
        after[0]['bbox_mAP'], after[1]['bbox_mAP'])) in readme


def test_hgds_default_reproduces_the_candidate_runs_to_the_bit():
    """HGD v3's default with the hands-on term, at setting a's tuned weight,
    is the candidate ``hgd+distribution@g1@x0.125`` of the archived report:
    made again by the new code (another arm key), every setting's tuned HGD
    run scores what the candidate's run of that seed scored on the same
    CPU, to the bit; the README says so."""
    def runs_of(path, method):
        with open(osp.join(REPO, 'docs', 'results', *path)) as f:
            runs = json.load(f)['runs']
        return {r['seed']: r for r in runs if r['method'] == method}

    for _, setting in SETTING_NAMES:
        now = runs_of(['accuracy.json'], f'{setting}:hgd_tuned')
        then = runs_of(['archive', 'accuracy_hgd_models_bba3216.json'],
                       f'{setting}:{DISTRIBUTION}')
        assert len(then) >= 5 and set(then) <= set(now), setting
        for seed, run in then.items():
            assert now[seed]['arm_key'] != run['arm_key']
            assert now[seed]['cpu'] == run['cpu']
            assert now[seed]['bbox_mAP'] == run['bbox_mAP'], (setting, seed)
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    assert ("every seed's `val` mAP of HGD's tuned row on settings a-d is "
            "the candidate's of that seed, to the bit") in readme


def test_readme_main_pair_hgd_sweep_reading_follows_the_json():
    """The README's reading of HGD's sweep on the main pair with the
    hands-on term (its grid widened upwards to an inside best, the best and
    its neighbours, x0.125) and of the archived row before the term."""
    def sweep_of(*path):
        with open(osp.join(REPO, 'docs', 'results', *path)) as f:
            return json.load(f)['sweep']['hgd']

    def mean_at(entry, multiplier):
        return next(p['mean'] for p in entry['points']
                    if p['multiplier'] == multiplier)

    now = sweep_of('tuning.json')
    before = sweep_of('archive', 'tuning_hgd_models_bba3216.json')
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    best = now['best']['multiplier']
    grid = [p['multiplier'] for p in now['points']]
    assert not now['best']['at_edge'] and all(
        p['n'] == 2 for p in now['points'])
    assert best * 2 == max(grid) == 32 and min(grid) == 0.0625
    assert (f"the best is x{best:g} ({mean_at(now, best):.2f} mAP, total "
            f"weight {now['best']['value']:g}), beside x{best / 2:g} at "
            f"{mean_at(now, best / 2):.2f} and x{best * 2:g} at "
            f"{mean_at(now, best * 2):.2f}, where x0.125 gives "
            f"{mean_at(now, 0.125):.2f}") in readme
    assert (f"best x{before['best']['multiplier']:g} at "
            f"{mean_at(before, before['best']['multiplier']):.2f} mAP, is "
            f"kept in `docs/results/archive/tuning_hgd_models_bba3216")\
        in readme


def test_readme_main_pair_hgd_and_ablations_are_those_before_the_term():
    """The README says the main pair's ``hgd`` row and its ablations were
    made before the hands-on term became HGD's default: their runs are the
    archived report's (same arm keys and scores), and no ablation of the
    term is in the report yet."""
    def runs_of(*path):
        with open(osp.join(REPO, 'docs', 'results', *path)) as f:
            return {(r['method'], r['seed']): (r['arm_key'], r['bbox_mAP'])
                    for r in json.load(f)['runs']
                    if r['method'] == 'hgd' or r['method'].startswith(
                        'hgd_no-') or r['method'] == 'hgd_fixed-macro'}

    now = runs_of('accuracy.json')
    assert now == runs_of('archive', 'accuracy_hgd_models_bba3216.json')
    assert len(now) == 25
    assert not any(m == 'hgd_no-distribution' for m, _ in now)
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    assert ("The main pair's `hgd` row and its ablations below were made "
            "before the hands-on term became HGD's default") in readme


def test_readme_review_rows_are_those_before_the_term():
    """The README says the review-hints rows were made on HGD without its
    hands-on term: their runs are the archived report's."""
    def runs_of(*path):
        with open(osp.join(REPO, 'docs', 'results', *path)) as f:
            return {(r['method'], r['seed']): (r['arm_key'], r['bbox_mAP'])
                    for r in json.load(f)['runs']
                    if r['method'].endswith(':hgd+review@x0.125')}

    now = runs_of('accuracy.json')
    assert now and now == runs_of('archive',
                                  'accuracy_hgd_models_bba3216.json')
    with open(osp.join(REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    assert ('The rows of review-style hints (`<setting>:hgd+review@x0.125`) '
            'were made on HGD without its hands-on term') in readme
