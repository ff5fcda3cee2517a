"""The speed benchmark's report: markdown for ``speed.md`` and the README,
the console table, and the verdict on how micro weights grow with boxes."""
import math
from typing import Optional, Sequence

__all__ = [
    'LINEAR_EXPONENT', 'MICRO_BATCH', 'MICRO_GRID', 'MICRO_INPUT',
    'micro_growth', 'growth_sentence', 'overhead_base', 'format_markdown',
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


def overhead_base(runs: Sequence[dict]) -> Optional[float]:
    """student_only + teacher_forward seconds, if both were measured."""
    by_method = {r['method']: r['s_per_iter_median'] for r in runs}
    if 'student_only' in by_method and 'teacher_forward' in by_method:
        return by_method['student_only'] + by_method['teacher_forward']
    return None


def format_markdown(setting: dict,
                    runs: Sequence[dict],
                    micro: Sequence[dict],
                    parent_level: Optional[int] = None) -> str:
    """The results as markdown (table, ratios, micro weights).

    Args:
        setting: what the numbers depend on (``speed.json``'s ``setting``).
        runs: one measurement per method.
        micro: the micro-weight timings.
        parent_level: None for a page of its own (``speed.md``: a ``#``
            title, ``##`` sections); for a section inside a document, the
            level of the heading it sits under: then no title (the document
            has one) and sections one level below it.
    """
    page = parent_level is None
    section = '#' * (2 if page else parent_level + 1)
    base = overhead_base(runs)
    wrappers = (f'optimiser wrapper {", ".join(setting["optim_wrappers"])}; '
                if setting.get('optim_wrappers') else '')
    lines = (['# Training speed and memory on the mini setting', '']
             if page else [])
    lines += [
        f'{setting["date"]}; {setting["cores_available"]} of '
        f'{setting["cores"]} cores ({setting["cpu"]}), load average '
        f'{setting["load_average_1m_at_start"]} at start; torch '
        f'{setting["torch"]}, threads {setting["threads"]}; batch '
        f'{setting["batch"]} of {setting["image_size"]} images; '
        f'{wrappers}'
        f'{setting["warmup"]} warm-up + {setting["iters"]} timed iterations '
        f'per method, each method in its own process.', '',
        'Memory is the CPU process RSS: `peak` = ru_maxrss at the end, '
        '`+train` = peak minus the RSS once the model is built.', '',
        '| method | s/iter (median) | x (student + teacher fwd) | '
        'peak RSS (MB) | +train (MB) | params (M, all modules) |',
        '|---|---|---|---|---|---|'
    ]
    for run in runs:
        ratio = (f'{run["s_per_iter_median"] / base:.2f}'
                 if base and run['method'] not in
                 ('student_only', 'teacher_forward') else '')
        lines.append(
            f'| {run["method"]} | {run["s_per_iter_median"]:.3f} | {ratio} | '
            f'{run["peak_mem_mb"]:.0f} | {run["peak_increment_mb"]:.0f} | '
            f'{run["params_m"]:.2f} |')
    hgd = [r for r in runs if r['method'] == 'hgd']
    if base and hgd:
        lines += ['', f'**hgd / (student_only + teacher_forward) = '
                  f'{hgd[0]["s_per_iter_median"] / base:.2f}** '
                  f'({hgd[0]["s_per_iter_median"]:.3f} s vs {base:.3f} s).']
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


def format_table(runs: Sequence[dict]) -> str:
    """A plain-text table for the console."""
    rows = [f'{"method":<16} {"s/iter":>8} {"peak MB":>9} {"+train MB":>10}']
    rows += [f'{r["method"]:<16} {r["s_per_iter_median"]:>8.3f} '
             f'{r["peak_mem_mb"]:>9.0f} {r["peak_increment_mb"]:>10.0f}'
             for r in runs]
    return '\n'.join(rows)
