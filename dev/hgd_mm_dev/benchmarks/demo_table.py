"""The demo's report (teacher, plain student, HGD student; the pre-trained
backbones; the wall time) as markdown."""
from typing import Dict

from ..mini.runs import METRICS

__all__ = ['markdown']


def markdown(report: Dict[str, dict]) -> str:
    """The table, the HGD gain sentence, the backbones' pre-training and
    the wall time.

    Args:
        report: what ``tools/demo.py --out`` writes: ``rows`` (model name
            -> run: metrics in %, params_m, flops_g, s_per_iter),
            ``pretrained`` (checkpoint -> pre-training record),
            ``wall_s`` and ``stage_s`` (stage -> seconds).
    """
    rows = report['rows']
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
    for path, record in report.get('pretrained', {}).items():
        cost = ('reused from an earlier run' if record.get('reused') else
                f'{record["seconds"] / 60:.1f} min')
        lines.append(f'Pre-trained `{path.split("/")[-1]}`: held-out crop '
                     f'accuracy {record["val_accuracy"]:.3f} over '
                     f'{record["num_classes"]} classes ({cost}).')
    if 'wall_s' in report:
        wall = report['wall_s']
        lines.append(f'Wall time of the demo: {wall // 60:.0f} min '
                     f'{wall % 60:.0f} s.')
    if 'stage_s' in report:  # recorded since stages are timed
        lines.append('Stages: ' + ', '.join(
            f'{name} {seconds / 60:.1f} min'
            for name, seconds in report['stage_s'].items()) + '.')
    if 'precision' in report:  # recorded since the precision is chosen
        cpu = report.get('cpu', {})
        flags = cpu.get('flags') or {}
        amx = ('' if 'amx_bf16' not in flags else
               f', AMX: {"yes" if flags["amx_bf16"] else "no"}')
        lines.append(f'Precision: {report["precision"]}, on '
                     f'{cpu.get("model", "an unrecorded CPU")} (native bf16: '
                     f'{"yes" if cpu.get("bf16_native") else "no"}{amx}).')
    return '\n'.join(lines) + '\n'
