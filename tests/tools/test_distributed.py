"""2-process DDP on CPU (gloo) through tools/dist_train.sh, with HGD; its
checkpoint resumes in one process, and a 1-process checkpoint resumes in
DDP."""
import os
import os.path as osp
import socket
import subprocess
import sys

from helpers import MINI, REPO, SHORT, train, train_log

HGD = osp.join(MINI, 'hgd_retina_r18_retina_r18-w16_mini.py')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def dist_train(work_dir, *options, extra=()):
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()))
    result = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), HGD, '2',
         '--work-dir', str(work_dir), *extra, '--cfg-options', *SHORT,
         # 2 processes x 2 images = the single-process batch of 4
         'train_dataloader.batch_size=2', *options],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout[-3000:] +
                                    result.stderr[-4000:])
    return result


def test_ddp_trains_hgd_and_checkpoints_move_between_ddp_and_one_process(
        teacher_ckpt, tmp_path):
    teacher = f'model.teacher_ckpt={teacher_ckpt}'
    dist_train(tmp_path, teacher)
    log = train_log(tmp_path)
    assert 'Distributed launcher: pytorch' in log or 'world_size: 2' in log
    assert 'distill.loss_hgd_neck_0' in log
    assert (tmp_path / 'epoch_1.pth').exists()

    # DDP checkpoint -> one process.
    train(HGD, tmp_path, teacher, 'train_cfg.max_epochs=2', extra=['--resume'])
    assert 'resumed epoch: 1' in train_log(tmp_path)
    # One-process checkpoint -> DDP.
    dist_train(tmp_path, teacher, 'train_cfg.max_epochs=3',
               extra=['--resume'])
    log = train_log(tmp_path)
    assert 'resumed epoch: 2' in log
    assert (tmp_path / 'epoch_3.pth').exists()


def test_launchers_without_their_arguments_print_their_usage():
    for script, given in (('dist_train.sh', ['a.py']),
                          ('dist_test.sh', ['a.py', 'b.pth'])):
        result = subprocess.run(['bash', osp.join(REPO, 'tools', script),
                                 *given], capture_output=True, text=True)
        assert result.returncode == 2
        assert result.stderr.startswith('usage: ') and 'NPROC' in result.stderr
