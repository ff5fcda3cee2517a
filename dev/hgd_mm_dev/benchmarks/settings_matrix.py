"""The accuracy benchmark's matrix: setting x method, mean +- std over
seeds, and HGD against the best peer of each setting with the 95 % Welch
interval of the difference (issue "Benchmark v3").

A run names its setting (``run['setting']``); runs made before runs
recorded it belong to the quarter-width pair, or to the narrow-FPN pair
when their method is ``narrow_*``. In the matrix a method is its name
without the setting's prefix (``depth:pkd`` and ``narrow_pkd`` are
``pkd``). A peer tuned on the tune split is ``<peer>_tuned``; where a
setting has tuned peers, the best of them is HGD's reference, otherwise the
best as-shipped peer (and the table says which). Likewise HGD is
``hgd_tuned`` where it was run at its tuned weight, else ``hgd``.
"""
from typing import Dict, List, Optional, Sequence, Tuple

from .statistics import describe, welch_interval

__all__ = ['setting_of', 'matrix_method', 'matrix_summary', 'matrix_markdown',
           'plot_matrix']

QUARTER_WIDTH = 'retinanet-quarter-width'
NARROW_FPN = 'retinanet-narrow-fpn'
PEERS = ('pkd', 'cwd', 'mgd', 'fbkd', 'fitnet')
#: Matrix columns, in order (methods of no setting are left out).
COLUMNS = ('baseline', 'hgd', 'hgd_tuned', *PEERS,
           *(f'{p}_tuned' for p in PEERS))


def setting_of(run: dict) -> str:
    """The setting a run belongs to (a ``narrow_*`` method is the narrow-FPN
    pair's whatever its run recorded: runs made before its arms named their
    setting recorded the main pair's)."""
    if run['method'].startswith('narrow_'):
        return NARROW_FPN
    return run.get('setting') or QUARTER_WIDTH


def matrix_method(name: str) -> str:
    """A method's name in the matrix: without its setting prefix."""
    name = name.rsplit(':', 1)[-1]
    return name[len('narrow_'):] if name.startswith('narrow_') else name


def best_peer(scores: Dict[str, List[float]]) -> Optional[str]:
    """The best tuned peer, or the best as-shipped one where no peer was
    tuned (highest mean; only peers at the most seeds among them compete,
    so that a partial row's lucky first seed does not become HGD's
    reference)."""
    tuned = [f'{p}_tuned' for p in PEERS if f'{p}_tuned' in scores]
    candidates = tuned or [p for p in PEERS if p in scores]
    if not candidates:
        return None
    most = max(len(scores[m]) for m in candidates)
    return max((m for m in candidates if len(scores[m]) == most),
               key=lambda m: sum(scores[m]) / len(scores[m]))


def matrix_summary(
        runs: Sequence[dict],
        settings: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    """Per setting: per matrix method n/mean/std, and HGD minus the best
    peer with its Welch interval.

    Args:
        runs: the benchmark's runs (val split).
        settings: the settings in the order wanted; every setting of the
            runs, in order of first appearance, when None.
    """
    order = list(settings or dict.fromkeys(setting_of(r) for r in runs))
    table: Dict[str, dict] = {}
    for setting in order:
        scores: Dict[str, List[float]] = {}
        for run in runs:
            method = matrix_method(run['method'])
            if setting_of(run) == setting and method in COLUMNS:
                scores.setdefault(method, []).append(run['bbox_mAP'])
        if not scores:
            continue
        peer = best_peer(scores)
        hgd = 'hgd_tuned' if 'hgd_tuned' in scores else 'hgd'
        versus = None
        if peer and hgd in scores:
            versus = dict(method=hgd, reference=peer,
                          **welch_interval(scores[hgd], scores[peer]))
        table[setting] = dict(
            methods={m: describe(scores[m]) for m in COLUMNS if m in scores},
            hgd_vs_best_peer=versus)
    return table


def cell(stats: Optional[dict]) -> str:
    if stats is None:
        return '-'
    spread = f' ± {stats["std"]:.2f}' if stats['n'] > 1 else ''
    return f'{stats["mean"]:.2f}{spread} ({stats["n"]})'


def difference(versus: Optional[dict]) -> str:
    if versus is None:
        return '-'
    text = f'{versus["diff"]:+.2f}'
    if versus['low'] is None:
        return (f'{text} [n/a] {versus.get("method", "hgd")} vs '
                f'{versus["reference"]}')
    return (f'{text} [{versus["low"]:+.2f}, {versus["high"]:+.2f}] '
            f'{versus.get("method", "hgd")} vs {versus["reference"]}')


def matrix_markdown(table: Dict[str, dict]) -> List[str]:
    """The matrix as markdown lines: mean ± std (seeds) per cell."""
    columns = [m for m in COLUMNS
               if any(m in row['methods'] for row in table.values())]
    lines = ['| setting | ' + ' | '.join(columns) +
             ' | HGD - best peer [95 % CI] |',
             '|---|' + '---|' * (len(columns) + 1)]
    for setting, row in table.items():
        cells = [cell(row['methods'].get(m)) for m in columns]
        lines.append(f'| {setting} | ' + ' | '.join(cells) +
                     f' | {difference(row["hgd_vs_best_peer"])} |')
    return lines


def plot_matrix(runs: Sequence[dict], table: Dict[str, dict],
                path: str) -> None:
    """Every seed's mAP per method, one panel per setting.

    Args:
        runs: the benchmark's runs.
        table: what :func:`matrix_summary` returned for them.
        path: the PNG to write.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    settings: List[Tuple[str, dict]] = list(table.items())
    fig, axes = plt.subplots(1, len(settings), squeeze=False,
                             figsize=(4.2 * len(settings), 3.8))
    for ax, (setting, row) in zip(axes[0], settings):
        methods = list(row['methods'])
        for i, method in enumerate(methods):
            values = [r['bbox_mAP'] for r in runs if setting_of(r) == setting
                      and matrix_method(r['method']) == method]
            ax.scatter([i] * len(values), values, s=14, alpha=0.7,
                       color='tab:red' if method in ('hgd', 'hgd_tuned')
                       else 'tab:blue')
        ax.set_xticks(range(len(methods)), methods, rotation=40, ha='right')
        ax.set_title(setting, fontsize=9)
        ax.set_ylabel('bbox mAP (%)')
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
