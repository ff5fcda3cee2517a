"""The accuracy benchmark's report: the tables the README quotes
(``accuracy.md``) and the figure (``accuracy.png``), from ``accuracy.json``
(its ``summary`` is computed by :func:`hgd_mm_dev.benchmarks.study.summarize`).
"""
from typing import Dict, List, Optional, Tuple

from ..mini.paths import SETTINGS
from .goals_v3 import benchmark_targets, hgd_goals
from .settings_matrix import QUARTER_WIDTH, matrix_markdown, matrix_summary
from .statistics import interval_text

__all__ = ['markdown', 'plot']

#: (title, the plain student of the group): methods named ``narrow_*`` form
#: the heterogeneous group, ``hgd_*`` the variants of HGD, the rest the main.
GROUPS = (
    ('Main pair (student FPN as wide as the teacher\'s)', 'baseline'),
    ('Heterogeneous pair (student FPN 16 ch, teacher 64 ch)',
     'narrow_baseline'),
    ('Variants of HGD (ablations, tuning candidates)', 'baseline'),
)


def group_of(method: str) -> int:
    """The index in :data:`GROUPS` of a main-pair method's table."""
    if method.startswith('narrow_'):
        return 1
    if method.startswith('hgd_') and method != 'hgd_tuned':
        return 2  # HGD's variants; HGD at its tuned weight is a main row
    return 0


def setting_prefix(method: str) -> Optional[str]:
    """The setting of a method named ``<setting>:<method>`` (the further
    settings' runs, :data:`SETTINGS`), else None (the main and the
    heterogeneous pair; ``v3:hints`` is a candidate's name, no setting)."""
    prefix = method.split(':', 1)[0]
    return prefix if ':' in method and prefix in SETTINGS else None


#: A table of the report: title, methods, plain student, teacher mAP.
Group = Tuple[str, List[str], str, Optional[float]]


def report_setting(report: dict) -> str:
    """The setting a report's own teacher belongs to (a tuning study on a
    further setting names it; the main pair's reports may not)."""
    return report['setting'].get('name') or QUARTER_WIDTH


def setting_lead(report: dict) -> str:
    """What a report's first line starts with: its setting's name where it
    is not the main pair's (``'Setting `retinanet-depth`. '``), else ''."""
    pair = report_setting(report)
    return '' if pair == QUARTER_WIDTH else f'Setting `{pair}`. '


def method_groups(report: dict) -> List[Group]:
    """The tables of the report: (title, methods, plain student, teacher
    mAP) for the main pair's groups (:data:`GROUPS`), then one per further
    setting, each measured against its own plain student and teacher."""
    methods = list(report['summary']['methods'])
    teacher = report['teacher_bbox_mAP']
    groups = []
    pair = report_setting(report)
    for index, (title, baseline) in enumerate(GROUPS):
        if index == 0 and pair != QUARTER_WIDTH:  # a study on a setting
            title = f'Setting `{pair}`'
        members = [m for m in methods
                   if setting_prefix(m) is None and group_of(m) == index]
        groups.append((title, members, baseline, teacher))
    settings = dict.fromkeys(
        setting_prefix(m) for m in methods if setting_prefix(m))
    teachers = report.get('teachers') or {}
    for name in settings:
        members = [m for m in methods if setting_prefix(m) == name]
        metrics = teachers.get(name) or {}
        groups.append((f'Setting `{name}`', members, f'{name}:baseline',
                       metrics.get('bbox_mAP')))
    return [group for group in groups if group[1]]


def method_table(report: dict, methods: List[str], baseline: Optional[str],
                 teacher: Optional[float]) -> List[str]:
    """One group's table; the gain and the gap closed are taken against
    the group's own plain student and teacher (none where either is
    missing)."""
    summary = report['summary']['methods']
    lines = [
        '| method | seeds | mAP | std | AP50 | AP_s | AP_m | AP_l | '
        'Δ vs student | gap closed |', '|' + '---|' * 10
    ]
    base = summary[baseline]['mean'] if baseline in summary else None
    for method in methods:
        s = summary[method]
        delta = gain = ''
        if base is not None:
            delta = f'{s["mean"] - base:+.2f}'
            gap = None if teacher is None else teacher - base
            gain = (f'{100 * (s["mean"] - base) / gap:.0f}%'
                    if gap is not None and gap > 0 else 'n/a')
        spread = f'{s["std"]:.2f}' if s['n'] > 1 else '-'
        lines.append(
            f'| {method} | {s["n"]} | {s["mean"]:.2f} | {spread} | '
            f'{s["bbox_mAP_50"]:.1f} | {s["bbox_mAP_s"]:.1f} | '
            f'{s["bbox_mAP_m"]:.1f} | {s["bbox_mAP_l"]:.1f} | {delta} | '
            f'{gain} |')
    return lines


#: MMRazor's distillers the benchmark runs on the main pair.
PEERS = ('pkd', 'cwd', 'mgd', 'fbkd', 'fitnet')


def markdown(report: dict) -> str:
    """Per group of methods: mean over seeds (± sample std, the gain over
    the plain student and the share of the teacher-student gap closed); the
    differences with their 95 % Welch intervals; the per-seed table.

    Args:
        report: ``accuracy.json``'s content.
    """
    summary = report['summary']
    methods = list(summary['methods'])
    lines = [
        f'{setting_lead(report)}Teacher: {report["teacher_bbox_mAP"]:.2f} '
        f'mAP on the `{report["setting"]["split"]}` split. Mean over seeds '
        '(sample std); mAP and AP in %.'
    ]
    if report['setting']['split'] == 'val':
        lines += ['', 'Every setting and method (mean ± sample std over '
                  'seeds, seed count); HGD minus the best peer of the '
                  'setting with '
                  'the 95 % Welch interval (the best tuned peer where peers '
                  'were tuned, else the best as shipped):', '']
        lines += matrix_markdown(matrix_summary(report['runs']))
    if report['setting']['split'] == 'val' and benchmark_targets(report):
        lines += ['', 'Targets of Benchmark v3 (issue 18, "Sharper"):',
                  ''] + benchmark_targets(report)
    if report['setting']['split'] == 'val' and hgd_goals(report):
        lines += ['', 'Goals of HGD v3 (issue 19):', ''] + hgd_goals(report)
    for title, members, baseline, teacher in method_groups(report):
        lines += ['', f'**{title}**', '']
        lines += method_table(report, members, baseline, teacher)
    if summary['differences']:
        lines += ['', 'Differences of means with their 95 % confidence '
                  'intervals (Welch t):', '',
                  '| method | vs | n | difference [95 % CI] |',
                  '|---|---|---|---|']
        for diff in summary['differences']:
            lines.append(f'| {diff["method"]} | {diff["reference"]} | '
                         f'{diff["n_a"]} vs {diff["n_b"]} | '
                         f'{interval_text(diff)} |')
    seeds = sorted({r['seed'] for r in report['runs']})
    lines += ['', 'Per seed (mAP):', '',
              '| method | ' + ' | '.join(f'seed {s}' for s in seeds) + ' |',
              '|---|' + '---|' * len(seeds)]
    for method in methods:
        by_seed = {r['seed']: r['bbox_mAP'] for r in report['runs']
                   if r['method'] == method}
        lines.append(f'| {method} | ' + ' | '.join(
            f'{by_seed[s]:.1f}' if s in by_seed else '-' for s in seeds) +
            ' |')
    return '\n'.join(lines) + '\n'


def plot(report: dict, path: str) -> None:
    """``accuracy.png``: every seed's mAP per method (dots), mean and std.

    Args:
        report: ``accuracy.json``'s content.
        path: the PNG to write.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    summary: Dict[str, dict] = report['summary']['methods']
    methods = list(summary)
    fig, ax = plt.subplots(figsize=(0.9 * len(methods) + 2, 4))
    for i, method in enumerate(methods):
        values = [r['bbox_mAP'] for r in report['runs']
                  if r['method'] == method]
        ax.scatter([i] * len(values), values, color='tab:blue', s=14,
                   alpha=0.7)
        ax.errorbar(i, summary[method]['mean'], yerr=summary[method]['std'],
                    fmt='_', color='black', markersize=18, capsize=4)
    ax.axhline(report['teacher_bbox_mAP'], color='tab:green', ls='--',
               label='teacher')
    ax.set_xticks(range(len(methods)), methods, rotation=35, ha='right')
    ax.set_ylabel('bbox mAP (%)')
    ax.set_title(f'mAP on {report["setting"]["split"]} (dots: seeds)')
    ax.legend(loc='lower right')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
