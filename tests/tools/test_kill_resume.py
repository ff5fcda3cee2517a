"""SIGKILL an HGD training at random points, resume after each kill: the final
weights equal an uninterrupted run's bit for bit and no finished epoch is lost.

Kill points are (iteration, phase) pairs drawn with a seeded generator
(tests/kill_points.py: after an optimizer step, before a checkpoint write,
half-way through one, between the checkpoint and ``last_checkpoint``); each
phase is hit at least once (6 kills by default). A longer run, as a command:

    HGD_KILL_TEST_KILLS=30 HGD_KILL_TEST_EPOCHS=6 HGD_KILL_TEST_SEED=1 \\
        python -m pytest tests/tools/test_kill_resume.py

Its figures (kills tried, resumed, identical) are printed and written to
``$HGD_KILL_TEST_REPORT`` (JSON) when set.
"""
import json
import os
import os.path as osp
import random
import signal

import torch

from helpers import FP32, MINI, REPO, SMALL
from kill_points import PHASES
from launcher import run_script

from hgd_mm.engine.resume import resolve_resume_checkpoint

HGD = osp.join(MINI, 'hgd_retina_r18_retina_r18-w16_mini.py')
TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
KILLS = int(os.environ.get('HGD_KILL_TEST_KILLS', 6))
EPOCHS = int(os.environ.get('HGD_KILL_TEST_EPOCHS', 3))
SEED = int(os.environ.get('HGD_KILL_TEST_SEED', 0))
ITERS_PER_EPOCH = 4  # the tests' 16 training images, batch 4
# As tests/tools/test_reliability_runs.py: fixed seed, deterministic
# algorithms, no random flip; balanced macro weights keep running means that
# a resume must restore. No validation (it does not change the weights).
# fp32 and small images, as every test run that is not about bf16 or image
# size (tests/helpers.py).
OPTIONS = ['randomness.seed=0', 'randomness.deterministic=True',
           'train_dataloader.dataset.pipeline.3.prob=0.0',
           'model.distiller.macro.mode=balanced',
           'train_dataloader.batch_size=4', 'train_cfg.val_interval=1000',
           f'train_cfg.max_epochs={EPOCHS}', FP32, *SMALL]
KILLED = -signal.SIGKILL


def kill_config(tmp_path) -> str:
    path = tmp_path / 'hgd_with_kill_points.py'
    path.write_text(
        f'_base_ = [{HGD!r}]\n'
        "custom_imports = dict(imports=['hgd_mm', 'kill_points'], "
        'allow_failed_imports=False)\n'
        "custom_hooks = [dict(type='KillPointHook')]\n")
    return str(path)


def launch(config, work_dir, teacher_ckpt, kill_at=None, resume=True):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [TESTS, REPO, *filter(None, [env.get('PYTHONPATH')])])
    env.pop('HGD_KILL_AT', None)
    if kill_at is not None:
        env['HGD_KILL_AT'] = f'{kill_at[0]}:{kill_at[1]}'
    # A process of its own (SIGKILL ends it), forked with the imports done.
    args = [config, '--work-dir', str(work_dir),
            *(['--resume'] if resume else []),
            '--cfg-options', f'model.teacher_ckpt={teacher_ckpt}', *OPTIONS]
    return run_script(osp.join(REPO, 'tools', 'train.py'), args, REPO, env,
                      timeout=900)


def kill_points(rng: random.Random):
    """``KILLS`` distinct points in training order: one in every phase (so
    that a short run still kills after a step, before a write, inside one
    and before the pointer), the rest drawn from all of them."""
    ends = [e * ITERS_PER_EPOCH for e in range(1, EPOCHS + 1)]
    points = [(i, 'step') for i in range(1, EPOCHS * ITERS_PER_EPOCH + 1)]
    points += [(i, p) for i in ends for p in PHASES[1:]]
    chosen = [rng.choice([p for p in points if p[1] == phase])
              for phase in PHASES]
    chosen += rng.sample([p for p in points if p not in chosen],
                         KILLS - len(chosen))
    return sorted(chosen, key=lambda p: (p[0], PHASES.index(p[1])))


def finished_epochs(point) -> int:
    """Epochs whose checkpoint was complete (renamed) when ``point`` hit."""
    iteration, phase = point
    done = iteration // ITERS_PER_EPOCH
    at_epoch_end = iteration % ITERS_PER_EPOCH == 0
    if at_epoch_end and PHASES.index(phase) < PHASES.index('before_pointer'):
        done -= 1
    return done


def load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def assert_identical(a, b):
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    state_a, state_b = a['optimizer']['state'], b['optimizer']['state']
    assert state_a.keys() == state_b.keys()
    for index in state_a:
        for name, value in state_a[index].items():
            assert torch.equal(value, state_b[index][name]), (index, name)
    assert a['meta']['iter'] == b['meta']['iter']


def output(result) -> str:
    return result.stdout[-3000:] + result.stderr[-5000:]


def test_killed_and_resumed_runs_equal_the_uninterrupted_one(
        mini_data, teacher_ckpt, tmp_path):
    config = kill_config(tmp_path)
    straight, killed = tmp_path / 'straight', tmp_path / 'killed'
    result = launch(config, straight, teacher_ckpt, resume=False)
    assert result.returncode == 0, output(result)
    final = f'epoch_{EPOCHS}.pth'
    reference = load(straight / final)
    assert reference['meta']['iter'] == EPOCHS * ITERS_PER_EPOCH

    points = kill_points(random.Random(SEED))
    report = dict(seed=SEED, epochs=EPOCHS, kill_points=[], kills=0,
                  resumed=0)
    for point in points:
        # --resume from the first launch on: with no checkpoint yet it
        # starts from scratch, as a job scheduler's restart would.
        result = launch(config, killed, teacher_ckpt, kill_at=point)
        assert result.returncode == KILLED, (point, output(result))
        report['kills'] += 1
        report['kill_points'].append(f'{point[0]}:{point[1]}')
        if point[1] == 'mid_write':  # really inside a write
            epoch = point[0] // ITERS_PER_EPOCH
            assert any(n.startswith(f'.epoch_{epoch}.pth.')
                       for n in os.listdir(killed)), point
            assert not (killed / f'epoch_{epoch}.pth').exists()
        # No finished epoch is lost: --resume picks the newest one.
        done = finished_epochs(point)
        chosen = resolve_resume_checkpoint('auto', str(killed))
        if done == 0:
            assert chosen is None, point
        else:
            assert chosen == str(killed / f'epoch_{done}.pth'), point
            assert load(chosen)['meta']['epoch'] == done
            report['resumed'] += 1

    result = launch(config, killed, teacher_ckpt)
    assert result.returncode == 0, output(result)
    assert_identical(reference, load(killed / final))
    report['identical'] = True

    # A newest checkpoint truncated by a crash before atomic writes (or a
    # copy cut short): --resume falls back to the previous one, says so.
    newest, previous = killed / final, killed / f'epoch_{EPOCHS - 1}.pth'
    data = newest.read_bytes()
    newest.write_bytes(data[:len(data) // 2])
    result = launch(config, killed, teacher_ckpt)
    assert result.returncode == 0, output(result)
    warning = [line for line in (result.stdout + result.stderr).splitlines()
               if 'cannot be loaded' in line]
    assert warning and str(newest) in warning[0] and \
        str(previous) in warning[0], output(result)
    assert_identical(reference, load(newest))
    report['truncated_newest_resumed_identical'] = True

    print(json.dumps(report))
    if os.environ.get('HGD_KILL_TEST_REPORT'):
        with open(os.environ['HGD_KILL_TEST_REPORT'], 'w') as f:
            json.dump(report, f, indent=1)


def test_resume_with_no_loadable_checkpoint_is_a_clear_error(
        mini_data, tmp_path):
    (tmp_path / 'epoch_1.pth').write_bytes(b'PK\x03\x04 cut short')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_1.pth'))
    config = osp.join(MINI, 'retinanet_r18_fpn64_mini.py')
    result = run_script(osp.join(REPO, 'tools', 'train.py'),
                        [config, '--work-dir', str(tmp_path), '--resume'],
                        REPO)
    assert result.returncode != 0
    assert 'ResumeError' in result.stderr
    assert 'none of the checkpoints' in result.stderr
    assert str(tmp_path / 'epoch_1.pth') in result.stderr
    assert 'Epoch(train)' not in result.stdout + result.stderr
