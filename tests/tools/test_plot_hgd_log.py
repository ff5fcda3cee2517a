"""tools/analysis/plot_hgd_log.py (hgd_mm.training_logs.plot_hgd_log): HGD's
per-stage curves from an mmengine scalars.json, and its errors."""
import json
import subprocess
import sys

import pytest
from PIL import Image

from helpers import REPO, run
from hgd_mm.training_logs import read_run_scalars, read_scalars
from hgd_mm.training_logs.plot_hgd_log import collect, plot_hgd_log

TOOL = f'{REPO}/tools/analysis/plot_hgd_log.py'
# The mini pair: ResNet C2..C5 and FPN P3..P7 of both models.
STAGES = ['backbone_0', 'backbone_1', 'backbone_2', 'backbone_3', 'neck_0',
          'neck_1', 'neck_2', 'neck_3', 'neck_4']


def scalars_line(iteration: int, stages, hgd: bool = True) -> str:
    """One training line of an mmengine scalars.json, as HGD logs it."""
    record = {'lr': 0.02, 'loss': 3.0, 'student.loss_cls': 1.1}
    if hgd:
        for index, stage in enumerate(stages):
            record[f'distill.loss_hgd_{stage}'] = 0.4 / (1 + index + iteration)
            record[f'distill.lambda_hgd_{stage}'] = 0.1 + 0.01 * index
        record['distill.hgd_weight'] = min(1.0, iteration / 50)
    record.update(epoch=1, iter=iteration, step=iteration)
    return json.dumps(record)


def test_plot_hgd_log_reads_a_work_dir(tmp_path):
    run_dir = tmp_path / 'work' / '20260101_000000' / 'vis_data'
    run_dir.mkdir(parents=True)
    lines = [scalars_line(i, STAGES) for i in range(25, 201, 25)]
    # A validation line: no `iter`, must be skipped.
    lines.insert(4, json.dumps({'coco/bbox_mAP': 0.1, 'step': 1}))
    (run_dir / 'scalars.json').write_text('\n'.join(lines) + '\n')
    out = tmp_path / 'plot.png'
    output = run([TOOL, str(tmp_path / 'work'), '--out', str(out)])
    assert 'scalars.json' in output
    with Image.open(out) as image:
        image.verify()

    losses, lambdas, weight = collect(
        read_scalars(str(run_dir / 'scalars.json')))
    assert list(losses) == STAGES and list(lambdas) == STAGES
    assert [i for i, _ in losses['neck_4']] == list(range(25, 201, 25))
    assert len(weight) == 8


def test_plot_hgd_log_without_hgd_keys_is_a_clear_error(tmp_path):
    log = tmp_path / 'scalars.json'
    log.write_text(scalars_line(25, [], hgd=False) + '\n')
    with pytest.raises(ValueError, match='no HGD keys'):
        plot_hgd_log(str(log), str(tmp_path / 'plot.png'))
    # The command line says it without a traceback.
    result = subprocess.run(
        [sys.executable, TOOL, str(log), '--out', str(tmp_path / 'plot.png')],
        capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert 'no HGD keys' in result.stderr and 'HGDDistiller' in result.stderr
    assert 'Traceback' not in result.stderr
    assert not (tmp_path / 'plot.png').exists()


def test_a_resumed_run_is_plotted_from_every_log(tmp_path):
    """Run 1 logged iterations 25..150, was killed and resumed from its
    iteration-100 checkpoint; run 2 logged 125..200. The plot covers
    25..200, with run 2's values for 125 and 150."""
    work = tmp_path / 'work'
    runs = (('20260101_000000', range(25, 151, 25), 3.0),
            ('20260101_010000', range(125, 201, 25), 2.0))
    for name, iterations, loss in runs:
        folder = work / name / 'vis_data'
        folder.mkdir(parents=True)
        lines = []
        for i in iterations:
            record = json.loads(scalars_line(i, STAGES))
            record['loss'] = loss
            lines.append(json.dumps(record))
        (folder / 'scalars.json').write_text('\n'.join(lines) + '\n')
    records = read_run_scalars(str(work))
    assert [r['iter'] for r in records] == list(range(25, 201, 25))
    assert [r['loss'] for r in records] == [3.0] * 4 + [2.0] * 4
    losses, _, weight = collect(records)
    assert [i for i, _ in losses['neck_0']] == list(range(25, 201, 25))
    out = tmp_path / 'plot.png'
    output = run([TOOL, str(work), '--out', str(out)])
    assert '20260101_000000' in output and '20260101_010000' in output
    with Image.open(out) as image:
        image.verify()
    # a run dir alone is that run only
    assert len(read_run_scalars(str(work / '20260101_000000'))) == 6
