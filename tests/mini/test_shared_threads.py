"""The teacher and the pre-trained backbones, which every run of a study
shares, are trained at a fixed intra-op thread count whatever the caller's
OMP_NUM_THREADS: another count trains another model from the same inputs."""
import json

import torch

from hgd_mm_dev.mini import pretrain, runs


def test_the_teacher_trains_at_the_shared_thread_count(tmp_path, monkeypatch):
    seen = {}

    def fake_train(config, work_dir, options=None, label='', data_root=None,
                   quiet=False, threads=None, env=None):
        seen['threads'] = threads
        (tmp_path / 'root' / 'teacher').mkdir(parents=True)
        torch.save(dict(state_dict=dict(w=torch.ones(2))),
                   str(tmp_path / 'epoch_1.pth'))
        return dict(bbox_mAP=1.0, checkpoint=str(tmp_path / 'epoch_1.pth'))

    monkeypatch.setenv('OMP_NUM_THREADS', '7')
    monkeypatch.setattr(runs, 'train', fake_train)
    monkeypatch.setattr(runs, 'teacher_key', lambda *a: 'k')
    record = runs.teacher_run(str(tmp_path / 'root'), str(tmp_path), {})
    assert seen['threads'] == runs.SHARED_THREADS == pretrain.PRETRAIN_THREADS
    assert json.loads((tmp_path / 'root' / 'teacher' /
                       'teacher.json').read_text())['key'] == 'k'
    assert record['checkpoint'].endswith('teacher.pth')


def test_pretraining_runs_at_its_thread_count_and_restores_it(
        tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(pretrain, 'train_epochs',
                        lambda *a: seen.append(torch.get_num_threads()))
    before = torch.get_num_threads()
    torch.set_num_threads(1 if pretrain.PRETRAIN_THREADS != 1 else 2)
    try:
        outside = torch.get_num_threads()
        settings = pretrain.PretrainSettings(num_images=2, num_val_images=1,
                                             epochs=1)
        from mmengine.config import Config

        from hgd_mm_dev.mini.paths import STUDENT_CFG
        backbone, normalisation, _ = pretrain.detector_pretraining(
            Config.fromfile(STUDENT_CFG).model)
        pretrain.pretrain_backbone(backbone, normalisation,
                                   str(tmp_path / 'b.pth'),
                                   settings=settings, log=lambda line: None)
        assert seen == [pretrain.PRETRAIN_THREADS]
        assert torch.get_num_threads() == outside
    finally:
        torch.set_num_threads(before)


def test_intra_op_threads_of_a_run(monkeypatch):
    assert runs.intra_op_threads(1) == 1
    monkeypatch.setenv('OMP_NUM_THREADS', '3')
    assert runs.intra_op_threads() == 3
