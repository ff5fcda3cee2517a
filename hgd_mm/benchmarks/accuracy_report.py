"""The accuracy benchmark's report: the tables the README quotes
(``accuracy.md``) and the figure (``accuracy.png``), from ``accuracy.json``."""
import statistics
from typing import Dict, List

from ..mini.runs import METRICS

__all__ = ['summarize', 'markdown', 'plot']


def summarize(runs: List[dict], method: str) -> Dict[str, float]:
    """Mean, sample std and count of one method's mAP over its seeds, and
    the mean of every metric.

    Args:
        runs: the report's runs.
        method: the method to summarise.
    """
    values = [r['bbox_mAP'] for r in runs if r['method'] == method]
    mean = statistics.mean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return dict(mean=mean, std=std, n=len(values),
                **{k: statistics.mean(r[k] for r in runs
                                      if r['method'] == method)
                   for k in METRICS})


def markdown(report: dict) -> str:
    """The mean-over-seeds table (with the gain over the plain student and
    the share of the teacher-student gap closed) and the per-seed table.

    Args:
        report: ``accuracy.json``'s content.
    """
    teacher = report['teacher_bbox_mAP']
    runs = report['runs']
    methods = list(dict.fromkeys(r['method'] for r in runs))
    baseline = (summarize(runs, 'baseline')['mean']
                if 'baseline' in methods else None)
    lines = [
        f'Teacher: {teacher:.1f} mAP. Mean over seeds (± sample std); '
        'mAP and AP in %.', '',
        '| method | seeds | mAP | ± | AP50 | AP_s | AP_m | AP_l | '
        'Δ vs student | gap closed |', '|' + '---|' * 10
    ]
    for method in methods:
        s = summarize(runs, method)
        delta = gain = ''
        if baseline is not None:
            delta = f'{s["mean"] - baseline:+.1f}'
            gap = teacher - baseline
            gain = (f'{100 * (s["mean"] - baseline) / gap:.0f}%'
                    if gap > 0 else 'n/a')
        spread = f'{s["std"]:.1f}' if s['n'] > 1 else '-'
        lines.append(
            f'| {method} | {s["n"]} | {s["mean"]:.1f} | {spread} | '
            f'{s["bbox_mAP_50"]:.1f} | {s["bbox_mAP_s"]:.1f} | '
            f'{s["bbox_mAP_m"]:.1f} | {s["bbox_mAP_l"]:.1f} | {delta} | '
            f'{gain} |')
    lines += ['', 'Per seed (mAP):', '', '| method | ' + ' | '.join(
        f'seed {s}' for s in report['setting']['seeds']) + ' |',
              '|---|' + '---|' * len(report['setting']['seeds'])]
    for method in methods:
        by_seed = {r['seed']: r['bbox_mAP'] for r in runs
                   if r['method'] == method}
        lines.append(f'| {method} | ' + ' | '.join(
            f'{by_seed[s]:.1f}' if s in by_seed else '-'
            for s in report['setting']['seeds']) + ' |')
    return '\n'.join(lines) + '\n'


def plot(report: dict, path: str) -> None:
    """``accuracy.png``: every seed's mAP per method, mean and std.

    Args:
        report: ``accuracy.json``'s content.
        path: the PNG to write.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    runs = report['runs']
    methods = list(dict.fromkeys(r['method'] for r in runs))
    fig, ax = plt.subplots(figsize=(1.1 * len(methods) + 2, 4))
    for i, method in enumerate(methods):
        values = [r['bbox_mAP'] for r in runs if r['method'] == method]
        ax.scatter([i] * len(values), values, color='tab:blue', s=18)
        ax.errorbar(i, statistics.mean(values),
                    yerr=statistics.stdev(values) if len(values) > 1 else 0,
                    fmt='_', color='black', markersize=18, capsize=4)
    ax.axhline(report['teacher_bbox_mAP'], color='tab:green', ls='--',
               label='teacher')
    ax.set_xticks(range(len(methods)), methods, rotation=30, ha='right')
    ax.set_ylabel('bbox mAP (%)')
    ax.set_title('Mini setting: student mAP per method (dots: seeds)')
    ax.legend(loc='lower right')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
