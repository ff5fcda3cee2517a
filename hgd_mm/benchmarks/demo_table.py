"""The demo's table (teacher, plain student, HGD student) as markdown."""
from typing import Dict

from ..mini.runs import METRICS

__all__ = ['markdown']


def markdown(rows: Dict[str, dict]) -> str:
    """The table and the HGD gain sentence.

    Args:
        rows: model name -> run (metrics in %, params_m, flops_g,
            s_per_iter), as ``tools/demo.py --out`` writes them.
    """
    lines = ['| model | mAP | AP50 | AP_s | AP_m | AP_l | params (M) | '
             'FLOPs (G) | s/iter |', '|' + '---|' * 9]
    for name, run in rows.items():
        cells = [f'{run[k]:.1f}' for k in METRICS]
        s_per_iter = (f'{run["s_per_iter"]:.3f}'
                      if run.get('s_per_iter') else 'n/a')
        lines.append(f'| {name} | ' + ' | '.join(cells) +
                     f' | {run["params_m"]:.2f} | {run["flops_g"]:.3f} | '
                     f'{s_per_iter} |')
    names = list(rows)
    if len(names) == 3:
        teacher, student, hgd = (rows[n]['bbox_mAP'] for n in names)
        gap, gain = teacher - student, hgd - student
        closed = f', {100 * gain / gap:.0f}% of it closed' if gap > 0 else ''
        lines += ['', f'HGD: {gain:+.1f} mAP over the plain student; '
                  f'teacher - student gap {gap:.1f} mAP{closed}.']
    return '\n'.join(lines) + '\n'
