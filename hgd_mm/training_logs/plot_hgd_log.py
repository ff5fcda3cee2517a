"""Plot HGD's per-stage losses and weights over training from an mmengine log
(``tools/analysis/plot_hgd_log.py``).

Reads mmengine's ``vis_data/scalars.json`` (given directly, or every
``*/vis_data/scalars.json`` under a work dir: all runs of a resumed training,
a later run's records replacing the iterations it trained again,
:func:`hgd_mm.training_logs.read_run_scalars`) and draws, against the
training iteration:

1. every stage's loss ``distill.loss_hgd_<stage>`` (its weighted share of the
   total loss, as back-propagated),
2. every stage's macro weight ``distill.lambda_hgd_<stage>``,
3. the schedule's total weight ``distill.hgd_weight`` (when logged),

one colour per stage in both stage panels. Values are the logger's averages
over each logging interval.
"""
import argparse
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use('Agg')  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402

from .scalars import find_all_scalars, read_run_scalars  # noqa: E402

__all__ = ['collect', 'plot_hgd_log', 'main']

LOSS = re.compile(r'(?:^|\.)loss_hgd_(.+)$')
LAMBDA = re.compile(r'(?:^|\.)lambda_hgd_(.+)$')
WEIGHT = re.compile(r'(?:^|\.)hgd_weight$')

Series = Dict[str, List[Tuple[int, float]]]


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='Plot HGD\'s per-stage losses and weights over training '
        'from an mmengine log.')
    parser.add_argument('log', help='a work dir, a run dir or a scalars.json')
    parser.add_argument('--out', required=True, help='the PNG to write')
    return parser.parse_args(argv)


def collect(records: List[dict]) -> Tuple[Series, Series, List[Tuple]]:
    """Per-stage loss and lambda series and the w(t) series, by iteration.

    Returns:
        (losses {stage: [(iter, value)]}, lambdas {stage: [...]},
        weight [(iter, value)])
    """
    losses: Series = {}
    lambdas: Series = {}
    weight: List[Tuple[int, float]] = []
    for record in records:
        # Training lines carry `iter`; validation lines only `step` (epoch).
        if 'iter' not in record:
            continue
        iteration = int(record['iter'])
        for key, value in record.items():
            for pattern, series in ((LOSS, losses), (LAMBDA, lambdas)):
                match = pattern.search(key)
                if match:
                    series.setdefault(match.group(1), []).append(
                        (iteration, float(value)))
            if WEIGHT.search(key):
                weight.append((iteration, float(value)))
    return losses, lambdas, weight


def check_has_hgd(path: str, records: List[dict], losses: Series) -> None:
    """A clear error when the log holds no HGD stage losses."""
    if losses:
        return
    keys = sorted({k for r in records for k in r})
    shown = ', '.join(keys[:15]) + (' ...' if len(keys) > 15 else '')
    raise ValueError(
        f'{path} has no HGD keys (distill.loss_hgd_<stage>); its keys are: '
        f'{shown or "none"}. Give the log of a run whose distiller is '
        f"HGDDistiller (e.g. configs/mini/hgd_retina_r18_retina_r18-w16_mini"
        f".py); a plain or peer-distillation run has nothing to plot here.")


def plot(losses: Series, lambdas: Series, weight: List[Tuple], out: str,
         title: str) -> None:
    """Two or three stacked panels sharing the iteration axis."""
    panels = 3 if weight else 2
    figure, axes = plt.subplots(panels, 1, figsize=(9, 3 * panels),
                                sharex=True)
    colours = plt.get_cmap('tab10')
    # In logging order, which is the distiller's pair order (backbone
    # stages, then neck levels), not alphabetical (backbone_10 < backbone_2).
    stages = list(dict.fromkeys([*losses, *lambdas]))
    for index, stage in enumerate(stages):
        colour = colours(index % 10)
        for axis, series in ((axes[0], losses), (axes[1], lambdas)):
            if stage in series:
                iters, values = zip(*series[stage])
                axis.plot(iters, values, color=colour, label=stage,
                          marker='.' if len(iters) < 20 else None)
    axes[0].set_ylabel('loss_hgd_<stage>')
    axes[1].set_ylabel('lambda_hgd_<stage>')
    axes[0].legend(title='stage', fontsize=8, loc='upper left',
                   bbox_to_anchor=(1.01, 1.0))
    if weight:
        iters, values = zip(*weight)
        axes[2].plot(iters, values, color='black', label='hgd_weight',
                     marker='.' if len(iters) < 20 else None)
        axes[2].set_ylabel('hgd_weight w(t)')
    axes[-1].set_xlabel('iteration')
    for axis in axes:
        axis.grid(alpha=0.3)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    figure.savefig(out, dpi=100)
    plt.close(figure)


def plot_hgd_log(log: str, out: str) -> str:
    """Read the log, check it is an HGD run, write the figure.

    Args:
        log: a work dir, a run dir or a scalars.json.
        out: the PNG to write.

    Returns:
        The scalars.json files read, comma-separated (oldest run first).
    """
    path = ', '.join(find_all_scalars(log))
    records = read_run_scalars(log)
    losses, lambdas, weight = collect(records)
    check_has_hgd(path, records, losses)
    title = log if ',' in path else path
    plot(losses, lambdas, weight, out, title=f'HGD over training: {title}')
    return path


def main(argv: Optional[Sequence[str]] = None) -> str:
    """Plot the log the arguments name; return the scalars.json read.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    try:
        path = plot_hgd_log(args.log, args.out)
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f'plot_hgd_log: {error}')  # the message, no trace
    print(f'read {path}; wrote {args.out}')
    return path
