"""`make demo` and the accuracy benchmark in their tiny modes, so they never
rot (no timing or accuracy is asserted: a few iterations learn nothing)."""
import json
import os.path as osp

from helpers import REPO, run


def test_demo_quick_then_accuracy_quick_reusing_its_teacher(tmp_path):
    work, data = tmp_path / 'work', tmp_path / 'data'
    output = run([osp.join(REPO, 'tools', 'demo.py'), '--quick',
                  '--work-dir', str(work), '--data-root', str(data),
                  '--out', str(tmp_path / 'demo.json')])
    assert '| student + HGD |' in output
    table = json.load(open(tmp_path / 'demo.json'))
    assert len(table) == 3
    assert all('bbox_mAP' in row and row['flops_g'] > 0
               for row in table.values())
    flops = [row['flops_g'] for row in table.values()]
    assert flops[0] >= 4 * flops[1]  # teacher >= 4x the student's FLOPs

    # A run left by an earlier setting (no teacher key) must be neither
    # resumed nor reported.
    bench = tmp_path / 'bench'
    bench.mkdir()
    stale = dict(method='baseline', seed=0, bbox_mAP=99.0, bbox_mAP_50=99.0,
                 bbox_mAP_s=99.0, bbox_mAP_m=99.0, bbox_mAP_l=99.0)
    (bench / 'runs.json').write_text(json.dumps([stale]))
    out_dir = tmp_path / 'results'
    output = run([osp.join(REPO, 'tools', 'benchmarks', 'accuracy.py'),
                  '--quick', '--seeds', '0', '--methods', 'baseline', 'hgd',
                  'pkd', '--ablation-seeds', '--teacher-work-dir', str(work),
                  '--work-dir', str(bench), '--data-root',
                  str(data), '--out-dir', str(out_dir)])
    assert 'reusing' in output  # the demo's teacher
    assert 'ignoring 1 runs' in output
    report = json.load(open(out_dir / 'accuracy.json'))
    assert [r['bbox_mAP'] for r in report['runs']
            if r['method'] == 'baseline'] != [99.0]
    assert {r['method'] for r in report['runs']} == {'baseline', 'hgd', 'pkd'}
    assert set(report['runs'][0]) == {
        'method', 'seed', 'bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_s',
        'bbox_mAP_m', 'bbox_mAP_l'
    }
    assert 'teacher_bbox_mAP' in report
    assert (out_dir / 'accuracy.png').stat().st_size > 0
    assert '| hgd |' in (out_dir / 'accuracy.md').read_text()
