"""The speed benchmark's report: the per-round ratios and their summary,
markdown for ``speed.md`` and the README, the console table, and the verdict
on how micro weights grow with boxes."""
import math
import statistics
from typing import Dict, List, Optional, Sequence, Tuple

__all__ = [
    'LINEAR_EXPONENT', 'MICRO_BATCH', 'MICRO_GRID', 'MICRO_INPUT', 'BASE',
    'GOALS', 'SPREAD_GOAL', 'micro_growth', 'growth_sentence',
    'round_ratio', 'summarise', 'ratio_summaries', 'format_markdown',
    'format_table'
]

MICRO_BATCH = 2
MICRO_INPUT = (800, 1344)
MICRO_GRID = (100, 168)  # stride 8 of MICRO_INPUT: P3
# Exponent k of t ~ boxes^k between 100 and 1000 boxes up to which the growth
# counts as "about linear": the geometric midpoint between linear (1) and
# quadratic (2, e.g. pairwise box work). The per-box cost itself is not
# constant on a CPU: between 100 and 1000 boxes the (B, chunk, H, W) masks
# outgrow the caches, which alone gives k of about 1.1-1.3 here.
LINEAR_EXPONENT = 1.5


def micro_growth(entries: Sequence[dict]) -> Optional[dict]:
    """Exponent k of t ~ boxes^k from the two largest box counts."""
    if len(entries) < 2:
        return None
    low, high = sorted(entries, key=lambda e: e['boxes'])[-2:]
    exponent = (math.log(high['ms'] / low['ms']) /
                math.log(high['boxes'] / low['boxes']))
    return {'from': low['boxes'], 'to': high['boxes'], 'exponent': exponent,
            'linear': exponent <= LINEAR_EXPONENT}


def growth_sentence(growth: Optional[dict]) -> str:
    """The verdict on :func:`micro_growth`, in words."""
    if growth is None:
        return 'Growth with the number of boxes: not measured.'
    verdict = ('about linear' if growth['linear'] else
               'NOT linear: closer to quadratic')
    return (f'Time from {growth["from"]} to {growth["to"]} boxes grows as '
            f'boxes^{growth["exponent"]:.2f}: {verdict} (linear is 1, '
            f'quadratic 2; the verdict splits them at {LINEAR_EXPONENT}).')


#: What a distillation step is compared with: both networks' own work.
BASE = ('student_only', 'teacher_forward')
BASE_NAME = '(student_only + teacher_forward)'
#: The issue's goals for the median of the per-round ratios ...
GOALS = {f'hgd / {BASE_NAME}': 1.10, 'hgd / pkd': 1.15}
#: ... and for how far a round's ratio may lie from that median.
SPREAD_GOAL = 0.05
#: HGD v3's goal for a candidate mechanism's step: at most 1.25 x PKD's.
CANDIDATE_GOAL = 1.25


def is_candidate(method: str) -> bool:
    """HGD v3's candidates are named ``v3:<mechanism>``."""
    return method.startswith('v3:')


def goal_of(name: str) -> Optional[float]:
    """The goal of a ratio, if it has one."""
    numerator, _, reference = name.partition(' / ')
    if is_candidate(numerator) and reference == 'pkd':
        return CANDIDATE_GOAL
    return GOALS.get(name)


def ratios_wanted(methods: Sequence[str]) -> Dict[str, Tuple[str, tuple]]:
    """Ratio name -> (numerator, denominator methods) for ``methods``: every
    distillation method against the base, and HGD against PKD."""
    wanted = {}
    if all(m in methods for m in BASE):
        wanted.update({f'{m} / {BASE_NAME}': (m, BASE)
                       for m in methods if m not in BASE})
    if 'pkd' in methods:
        wanted.update({f'{m} / pkd': (m, ('pkd', )) for m in methods
                       if m == 'hgd' or is_candidate(m)})
    return wanted


def round_ratio(s_per_iter: Dict[str, float], numerator: str,
                denominators: Sequence[str]) -> float:
    """One round's ratio: numerator's s/step over the denominators' sum."""
    return s_per_iter[numerator] / sum(s_per_iter[d] for d in denominators)


def summarise(values: Sequence[float]) -> dict:
    """Median of per-round values, their range and the largest distance of
    a round from the median (``spread``)."""
    median = statistics.median(values)
    return {'per_round': list(values), 'median': median, 'min': min(values),
            'max': max(values),
            'spread': max(abs(v - median) for v in values)}


def ratio_summaries(rounds: Sequence[dict]) -> Dict[str, dict]:
    """Every wanted ratio, per round and summarised over the rounds.

    Args:
        rounds: ``{'s_per_iter': {method: seconds}}`` per round, each method
            timed in every round.
    """
    methods = list(rounds[0]['s_per_iter'])
    return {
        name: summarise([round_ratio(r['s_per_iter'], numerator, denominators)
                         for r in rounds])
        for name, (numerator, denominators) in ratios_wanted(methods).items()
    }


def goal_sentence(name: str, summary: dict) -> str:
    """One ratio: its median and spread, and the goal if it has one."""
    text = (f'**{name} = {summary["median"]:.2f}** (median of '
            f'{len(summary["per_round"])} rounds; per round '
            f'{", ".join(f"{v:.2f}" for v in summary["per_round"])}; spread '
            f'+-{summary["spread"]:.2f})')
    goal = goal_of(name)
    if goal is None:
        return text + '.'
    met = summary['median'] <= goal and summary['spread'] <= SPREAD_GOAL
    return (text + f': goal <= {goal:.2f} with a spread within '
            f'+-{SPREAD_GOAL:.2f} {"met" if met else "NOT met"}.')


def profile_lines(profiles: Dict[str, List[dict]], section: str,
                  steps: Optional[int]) -> List[str]:
    """The per-part profile as a markdown table, one column pair per
    profiled method."""
    methods = list(profiles)
    by_part = {m: {row['part']: row for row in rows}
               for m, rows in profiles.items()}
    parts = []
    for rows in profiles.values():
        parts += [r['part'] for r in rows if r['part'] not in parts]
    lines = ['', f'{section} Where the time of a step goes', '',
             f'`torch.profiler` over {steps} steps per method, after the '
             f'rounds; forward and backward time of each part per step (the '
             f'backward of an operator counts for the part whose forward '
             f'created it). The profiler adds a little per operator: read the '
             f'shares.', '',
             '| part | ' + ' | '.join(
                 f'{m} ms (fwd + bwd) | {m} %' for m in methods) + ' |',
             '|---|' + '---|---|' * len(methods)]
    for part in parts:
        cells = []
        for method in methods:
            row = by_part[method].get(part)
            if row is None:
                cells += ['', '']
                continue
            cells += [f'{row["total_ms"]:.1f} ({row["forward_ms"]:.1f} + '
                      f'{row["backward_ms"]:.1f})',
                      f'{100 * row["share"]:.1f}']
        lines.append(f'| {part} | ' + ' | '.join(cells) + ' |')
    totals = []
    for method in methods:
        rows = [r for r in profiles[method]
                if r['part'].startswith('distillation')]
        totals.append(f'{method} {sum(r["total_ms"] for r in rows):.1f} ms '
                      f'({100 * sum(r["share"] for r in rows):.1f} %)')
    lines += ['', 'Distillation parts together: ' + ', '.join(totals) + '.']
    return lines


def format_markdown(report: dict, parent_level: Optional[int] = None) -> str:
    """The report as markdown (ratios, table, profile, micro weights).

    Args:
        report: what ``speed.json`` holds (setting, runs, rounds, ratios,
            profile, micro_weights).
        parent_level: None for a page of its own (``speed.md``: a ``#``
            title, ``##`` sections); for a section inside a document, the
            level of the heading it sits under: then no title (the document
            has one) and sections one level below it.
    """
    setting, runs = report['setting'], report['runs']
    ratios, micro = report.get('ratios', {}), report.get('micro_weights', [])
    page = parent_level is None
    section = '#' * (2 if page else parent_level + 1)
    wrappers = (f'optimiser wrapper {", ".join(setting["optim_wrappers"])}; '
                if setting.get('optim_wrappers') else '')
    lines = (['# Training speed and memory on the mini setting', '']
             if page else [])
    lines += [
        f'{setting["date"]}; {setting["cores_available"]} of '
        f'{setting["cores"]} cores ({setting["cpu"]}), load average '
        f'{setting["load_average_1m_at_start"]} at start, '
        f'{setting.get("load_average_1m_at_end")} at the end; torch '
        f'{setting["torch"]}, threads {setting["threads"]}; batch '
        f'{setting["batch"]} of {setting["image_size"]} images; '
        f'{wrappers}each method built once in a process of its own, '
        f'{setting["warmup"]} warm-up steps, then {setting["rounds"]} '
        f'rounds in which the methods take {setting["iters"]} turns of one '
        f'timed step each (order rotating). A method\'s time in a round is '
        f'the median of its steps; ratios are taken per round. malloc '
        f'keeps freed memory (`hgd_mm.engine.allocator.keep_freed_memory`, '
        f'as `tools/train.py`): '
        f'{"yes" if setting.get("keeps_freed_memory") else "no"}.', '',
        f'Command: `{setting.get("command", "")}`', '']
    lines += ['- ' + goal_sentence(name, ratios[name])
              for name in ratios if goal_of(name) is not None]
    lines += [
        '', 'Memory is the CPU process RSS: `peak` = ru_maxrss at the end, '
        '`+train` = peak minus the RSS once the model is built (before the '
        'profile); page faults/step = minor page faults of a timed step '
        '(fresh memory pages), median of rounds.', '',
        '| method | s/iter (median of rounds) | x (student + teacher fwd), '
        'median [min, max] of rounds | page faults/step | peak RSS (MB) | '
        '+train (MB) | params (M, all modules) |',
        '|---|---|---|---|---|---|---|'
    ]
    for run in runs:
        ratio = ratios.get(f'{run["method"]} / {BASE_NAME}')
        cell = (f'{ratio["median"]:.2f} [{ratio["min"]:.2f}, '
                f'{ratio["max"]:.2f}]' if ratio else '')
        lines.append(
            f'| {run["method"]} | {run["s_per_iter_median"]:.3f} | {cell} | '
            f'{run.get("minor_faults_per_iter", float("nan")):.0f} | '
            f'{run["peak_mem_mb"]:.0f} | {run["peak_increment_mb"]:.0f} | '
            f'{run["params_m"]:.2f} |')
    if report.get('profile'):
        lines += profile_lines(report['profile'], section,
                               setting.get('profile_steps'))
    if micro:
        lines += ['', f'{section} Micro weights (MicroReweighting alone)', '',
                  f'Batch {MICRO_BATCH}, {MICRO_GRID[0]} x {MICRO_GRID[1]} '
                  f'grid (P3 of {MICRO_INPUT[0]} x {MICRO_INPUT[1]}), random '
                  f'boxes, median of {setting["micro_weights"]["repeats"]} '
                  f'calls.', '', '| boxes per image | ms | us per box |',
                  '|---|---|---|']
        lines += [f'| {e["boxes"]} | {e["ms"]:.2f} | '
                  f'{1e3 * e["ms"] / (MICRO_BATCH * e["boxes"]):.1f} |'
                  for e in micro]
        lines += ['', growth_sentence(micro_growth(micro))]
    return '\n'.join(lines) + '\n'


def format_table(report: dict) -> str:
    """A plain-text table and the ratios, for the console."""
    rows = [f'{"method":<16} {"s/iter":>8} {"peak MB":>9} {"+train MB":>10}']
    rows += [f'{r["method"]:<16} {r["s_per_iter_median"]:>8.3f} '
             f'{r["peak_mem_mb"]:>9.0f} {r["peak_increment_mb"]:>10.0f}'
             for r in report['runs']]
    rows += [f'{name}: median {s["median"]:.3f}, spread +-{s["spread"]:.3f} '
             f'(rounds {", ".join(f"{v:.2f}" for v in s["per_round"])})'
             for name, s in report['ratios'].items()]
    return '\n'.join(rows)
