"""One tuning protocol for every method (issue "Benchmark v3"): each
method's total distillation weight at the same multipliers of its shipped
value, scored on the ``tune`` split at the same seeds; the best multiplier
of each method is what the accuracy benchmark's ``<method>_tuned`` row runs
on ``val``.

A method's "total weight" is the option(s) its config scales its whole
distillation loss by: HGD's schedule ``loss_weight``; the ``loss_weight`` of
every level's loss for PKD, CWD, FBKD and FitNets; MGD's ``alpha_mgd``
(MGDLoss has no ``loss_weight``: ``alpha_mgd`` multiplies the whole sum).
"""
import math
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..mini.paths import HGD_CFG, MINI_CONFIGS
from .study import Arm

__all__ = [
    'MULTIPLIERS', 'WEIGHTED', 'TUNED', 'sweep_arm', 'sweep_arms',
    'parse_arm_name', 'sweep_summary', 'sweep_markdown', 'tuned_weights',
    'best_arm', 'stale_sweeps', 'load_tuned_weights'
]

#: The same grid around every method's shipped weight: 16x, centred.
MULTIPLIERS = (0.25, 0.5, 1.0, 2.0, 4.0)
LEVELS = 5
#: The suffix of a method's row at its best multiplier (``pkd_tuned``).
TUNED = '_tuned'
PAIR = 'retina_r18_retina_r18-w16_mini.py'


@dataclass(frozen=True)
class Weighted:
    """A method whose total distillation weight is swept.

    Args:
        config: its config on the main pair.
        keys: the options that carry its weight (all set alike).
        shipped: the value its config ships with.
    """
    config: str
    keys: Tuple[str, ...]
    shipped: float


def peer(name: str, loss: str, key: str, shipped: float) -> Weighted:
    return Weighted(
        osp.join(MINI_CONFIGS, 'peers', f'{name}_fpn_{PAIR}'),
        tuple(f'model.distiller.distill_losses.{loss}{i}.{key}'
              for i in range(LEVELS)), shipped)


#: Method -> what is swept; the order is the study's.
WEIGHTED: Dict[str, Weighted] = {
    'pkd': peer('pkd', 'loss_pkd_fpn', 'loss_weight', 6.0),
    'cwd': peer('cwd', 'loss_cwd_fpn', 'loss_weight', 10.0),
    'mgd': peer('mgd', 'loss_mgd_fpn', 'alpha_mgd', 2e-5 * 167),
    'fbkd': peer('fbkd', 'loss_fbkd_fpn', 'loss_weight', 1.0),
    'fitnet': peer('fitnet', 'loss_fitnet_fpn', 'loss_weight', 10.0),
    'hgd': Weighted(HGD_CFG, ('model.distiller.schedule.loss_weight', ),
                    15.0),
}


def arm_name(method: str, multiplier: float) -> str:
    return f'{method}@x{multiplier:g}'


def parse_arm_name(name: str) -> Optional[Tuple[str, float]]:
    """``'pkd@x0.5'`` -> ``('pkd', 0.5)``; None for another arm's name."""
    method, sep, factor = name.partition('@x')
    if not sep or method not in WEIGHTED:
        return None
    try:
        return method, float(factor)
    except ValueError:  # another arm built on a sweep arm: 'pkd@x1+ema@0.01'
        return None


def weight_options(method: str, multiplier: float) -> Dict[str, float]:
    """The options that set ``method``'s total weight to ``multiplier``
    times its shipped value."""
    weighted = WEIGHTED[method]
    value = weighted.shipped * multiplier
    return {key: value for key in weighted.keys}


def sweep_arm(method: str, multiplier: float) -> Arm:
    """The arm of ``method`` at ``multiplier`` x its shipped weight."""
    return Arm(arm_name(method, multiplier), WEIGHTED[method].config,
               weight_options(method, multiplier))


def sweep_arms(methods: Sequence[str] = tuple(WEIGHTED),
               multipliers: Sequence[float] = MULTIPLIERS) -> List[Arm]:
    """Every (method, multiplier) arm, method by method."""
    return [sweep_arm(m, x) for m in methods for x in multipliers]


def sweep_summary(per_method: Dict[str, dict]) -> Dict[str, dict]:
    """Per swept method: its multipliers' n, mean and std, and the best
    multiplier (highest mean; only multipliers at the most seeds of that
    method compete, so a lucky single seed cannot win).

    Args:
        per_method: the ``summary['methods']`` of a study
            (:func:`hgd_mm_dev.benchmarks.study.summarize`).
    """
    table: Dict[str, dict] = {}
    for name, stats in per_method.items():
        parsed = parse_arm_name(name)
        if parsed is None:
            continue
        method, multiplier = parsed
        entry = table.setdefault(method, dict(
            shipped=WEIGHTED[method].shipped, points=[]))
        entry['points'].append(dict(
            multiplier=multiplier,
            value=WEIGHTED[method].shipped * multiplier, n=stats['n'],
            mean=stats['mean'], std=stats['std']))
    for entry in table.values():
        entry['points'].sort(key=lambda p: p['multiplier'])
        most = max(p['n'] for p in entry['points'])
        competing = [p for p in entry['points'] if p['n'] == most]
        best = max(competing, key=lambda p: p['mean'])
        # The edge of the grid that competed: a best x2 beside an x4 at
        # fewer seeds is still the largest weight measured as well as it.
        entry['best'] = dict(multiplier=best['multiplier'],
                             value=best['value'], n=best['n'],
                             at_edge=best['multiplier'] in (
                                 competing[0]['multiplier'],
                                 competing[-1]['multiplier']))
    return table


def sweep_markdown(sweep: Dict[str, dict], baseline: Optional[dict],
                   teacher: float) -> str:
    """The README's sweep table: tune mAP per method and multiplier (mean
    over seeds, sample std, seed count), the best in bold.

    Args:
        sweep: what :func:`sweep_summary` returned.
        baseline: the plain student's summary on the tune split, if run.
        teacher: the teacher's tune mAP.
    """
    multipliers = sorted({p['multiplier'] for e in sweep.values()
                          for p in e['points']})
    lines = [f'Teacher: {teacher:.2f} mAP on the `tune` split' + (
        f'; plain student {baseline["mean"]:.2f} ({baseline["n"]} '
        f'seed{"s" if baseline["n"] != 1 else ""})'
        if baseline else '') + '. Mean mAP over seeds (sample std, seeds); '
        'the best multiplier of each method in bold.', '',
        '| method | shipped weight | ' + ' | '.join(
            f'x{m:g}' for m in multipliers) + ' | best (value) |',
        '|---|---|' + '---|' * (len(multipliers) + 1)]
    for method, entry in sweep.items():
        points = {p['multiplier']: p for p in entry['points']}
        cells = []
        for m in multipliers:
            point = points.get(m)
            if point is None:
                cells.append('-')
                continue
            spread = (f'{point["std"]:.2f}'
                      if point['n'] > 1 and not math.isnan(point['std'])
                      else '-')
            text = f'{point["mean"]:.2f} ({spread}, {point["n"]})'
            cells.append(f'**{text}**' if m == entry['best']['multiplier']
                         else text)
        best = entry['best']
        edge = ', at the grid\'s edge' if best['at_edge'] else ''
        lines.append(f'| {method} | {entry["shipped"]:g} | ' +
                     ' | '.join(cells) +
                     f' | x{best["multiplier"]:g} ({best["value"]:.4g}'
                     f'{edge}) |')
    return '\n'.join(lines) + '\n'


def tuned_weights(sweep: Dict[str, dict]) -> Dict[str, Dict[str, float]]:
    """Per swept method, the options of its best multiplier: what its
    ``<method>_tuned`` row runs (on the sweep's pair, and unchanged on the
    other settings, whose configs name their losses alike).

    Args:
        sweep: the ``sweep`` of a tuning report (:func:`sweep_summary`).
    """
    return {method: weight_options(method, entry['best']['multiplier'])
            for method, entry in sweep.items()}


def best_arm(report: dict, method: str) -> Arm:
    """The arm of ``method``'s best multiplier as ``report`` ran it: on the
    config its ``setting.candidates`` records (a sweep on another setting
    ran the setting's config), else the main pair's."""
    arm = sweep_arm(method, report['sweep'][method]['best']['multiplier'])
    ran = report.get('setting', {}).get('candidates', {}).get(arm.name)
    if ran is None:
        return arm
    from ..mini.paths import REPO
    return Arm(arm.name, osp.join(REPO, ran['config']), arm.options)


def stale_sweeps(report: dict,
                 current_key: Callable[[Arm], str],
                 methods: Optional[Sequence[str]] = None) -> List[str]:
    """The swept methods (of ``methods``; all when None) whose best arm's
    runs in ``report`` were made by other code than the arm's current key
    (``current_key``, e.g. HGD's sweep from before its defaults changed),
    each described."""
    stale = []
    for method in report['sweep']:
        if methods is not None and method not in methods:
            continue
        arm = best_arm(report, method)
        ran = {r.get('arm_key') for r in report.get('runs', [])
               if r['method'] == arm.name}
        now = current_key(arm)
        if ran != {now}:
            stale.append(f'{method} ({arm.name} ran as arm key '
                         f'{", ".join(sorted(map(str, ran))) or "none"}, '
                         f'its key now is {now})')
    return stale


def load_tuned_weights(
        report_file: str,
        current_key: Optional[Callable[[Arm], str]] = None,
        checked: Optional[Sequence[str]] = None
) -> Dict[str, Dict[str, float]]:
    """:func:`tuned_weights` of a tuning report on disk (``tuning.json``).

    Raises a clear error where the report holds no sweep, or, given
    ``current_key`` (an arm's key under the current code,
    :func:`.provenance.arm_key`), where a method's best multiplier was found
    by other code than today's: its weight would be applied to a method it
    was not chosen for. ``checked`` limits that check to the methods whose
    tuned rows are about to run (all when None): more seeds of PKD need
    not wait for HGD's sweep to be run again after HGD's code changed. The
    weights of every method are returned, as the report records them."""
    import json
    with open(report_file) as f:
        report = json.load(f)
    if not report.get('sweep'):
        raise ValueError(
            f'{report_file} holds no weight sweep (its "sweep" is empty): '
            f'give the report of `tools/benchmarks/tuning.py` run with the '
            f'sweep arms (its default), e.g. docs/results/tuning.json.')
    stale = (stale_sweeps(report, current_key, checked) if current_key
             else [])
    if stale:
        raise ValueError(
            f'{report_file}: the best weight of {"; ".join(stale)} was '
            f'chosen by runs of other code than the current one. Run that '
            f'method\'s sweep again (`tools/benchmarks/tuning.py --candidates '
            f'<method>@x0.25 ... <method>@x4`) and write the report anew '
            f'(`--report-only`) before using it for tuned rows.')
    for method, entry in report['sweep'].items():
        if entry['best']['at_edge']:
            print(f'[tuned] {method}: the best multiplier '
                  f'x{entry["best"]["multiplier"]:g} is at the grid\'s edge; '
                  f'a wider grid may find a better weight (tuning.py '
                  f'--candidates {method}@x<multiplier> ... widens it)',
                  flush=True)
    return tuned_weights(report['sweep'])
