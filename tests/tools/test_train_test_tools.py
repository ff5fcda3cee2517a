"""tools/train.py and tools/test.py end to end, on the tiny mini dataset:
plain mmdet configs, MMRazor recipes (PKD), HGD configs, --resume, CocoMetric,
and mmdet's own tools/train.py with custom_imports."""
import os.path as osp
import pickle
import re
import runpy

import pytest
from mmengine.config import Config

from helpers import (MINI, REPO, SHORT, run, tiny_faster_rcnn,
                     tiny_retinanet, train, train_log)


def test_mmrazor_pkd_recipe_trains_resumes_and_tests(teacher_ckpt, tmp_path):
    config = osp.join(MINI, 'peers',
                      'pkd_fpn_retina_r18_retina_r18-w16_mini.py')
    train(config, tmp_path, f'model.teacher_ckpt={teacher_ckpt}')
    assert (tmp_path / 'epoch_1.pth').exists()
    assert 'loss_pkd_fpn4' in train_log(tmp_path)

    # --resume with no value: the latest checkpoint in the work dir.
    train(config, tmp_path, f'model.teacher_ckpt={teacher_ckpt}',
          'train_cfg.max_epochs=2', extra=['--resume'])
    log = train_log(tmp_path)
    assert 'resumed epoch: 1' in log
    assert 'Epoch(train) [2]' in log and 'Epoch(train) [1]' not in log
    assert (tmp_path / 'epoch_2.pth').exists()

    # --resume CKPT: an explicit checkpoint.
    train(config, tmp_path, f'model.teacher_ckpt={teacher_ckpt}',
          'train_cfg.max_epochs=3',
          extra=['--resume', str(tmp_path / 'epoch_2.pth')])
    assert 'resumed epoch: 2' in train_log(tmp_path)

    out = tmp_path / 'predictions.pkl'
    output = run([osp.join(REPO, 'tools', 'test.py'), config,
                  str(tmp_path / 'epoch_3.pth'), '--work-dir',
                  str(tmp_path / 'test'), '--out', str(out), '--cfg-options',
                  f'model.teacher_ckpt={teacher_ckpt}',
                  # 12 iterations of training score below mmdet's 0.05.
                  'model.architecture.test_cfg.score_thr=0.0'])
    assert re.search(r'coco/bbox_mAP: \d\.\d+', output)
    with open(out, 'rb') as f:
        predictions = pickle.load(f)
    assert len(predictions) == 8  # every val image

    # --tta (mmdet's flag): the flip pair merged by DetTTAModel
    output = run([osp.join(REPO, 'tools', 'test.py'), config,
                  str(tmp_path / 'epoch_3.pth'), '--work-dir',
                  str(tmp_path / 'tta'), '--tta', '--cfg-options',
                  f'model.teacher_ckpt={teacher_ckpt}',
                  'model.architecture.test_cfg.score_thr=0.0'])
    assert re.search(r'coco/bbox_mAP: \d\.\d+', output)
    assert 'DetTTAModel' in output or 'TestTimeAug' in output


def test_tta_wraps_the_model_and_flips_the_test_pipeline():
    tool = runpy.run_path(osp.join(REPO, 'tools', 'test.py'))
    cfg = Config.fromfile(osp.join(MINI, 'retinanet_r18-w16_fpn64_mini.py'))
    detector = cfg.model.type
    with pytest.warns(UserWarning, match='tta_model'):
        tool['apply_tta'](cfg)
    assert cfg.model.type == 'DetTTAModel'
    assert cfg.model.module.type == detector
    last = cfg.test_dataloader.dataset.pipeline[-1]
    assert last.type == 'TestTimeAug'
    assert [t['prob'] for t in last.transforms[0]] == [1.0, 0.0]


def test_a_checkpoint_url_is_left_to_mmengine(tmp_path, monkeypatch):
    # A model-zoo URL is no local file, but mmengine fetches it: neither
    # tools/test.py nor --resume refuses it as missing.
    import hgd_mm.engine
    url = 'https://download.openmmlab.com/mmdetection/v2.0/x/model.pth'
    assert hgd_mm.engine.resolve_resume_checkpoint(url, str(tmp_path)) == url
    tool = runpy.run_path(osp.join(REPO, 'tools', 'test.py'))
    built = []

    class Runner:  # stops where mmengine would fetch the checkpoint

        @staticmethod
        def from_cfg(cfg):
            built.append(cfg)
            raise KeyboardInterrupt

    monkeypatch.setitem(tool['main'].__globals__, 'Runner', Runner)
    monkeypatch.setattr(hgd_mm.engine, 'check_dataset_files',
                        lambda *args, **kwargs: None)  # no data needed
    config = osp.join(MINI, 'retinanet_r18-w16_fpn64_mini.py')
    with pytest.raises(KeyboardInterrupt):
        tool['main']([config, url, '--work-dir', str(tmp_path)])
    assert built[0].load_from == url
    with pytest.raises(FileNotFoundError, match='does not exist'):
        tool['main']([config, str(tmp_path / 'nope.pth')])


def test_resume_from_a_missing_checkpoint_is_a_clear_error(
        tmp_path, monkeypatch):
    # In-process: the error is raised while the config is read, before
    # anything is built (what `python tools/train.py` prints and exits on).
    monkeypatch.setenv('LOCAL_RANK', '0')  # parse_args sets it otherwise
    tool = runpy.run_path(osp.join(REPO, 'tools', 'train.py'))
    args = tool['parse_args']([
        osp.join(MINI, 'retinanet_r18_fpn64_mini.py'), '--work-dir',
        str(tmp_path), '--resume', str(tmp_path / 'nope.pth')])
    with pytest.raises(FileNotFoundError, match='no such checkpoint file'):
        tool['build_cfg'](args)


def test_hgd_config_runs_under_mmdet_own_train_py(teacher_ckpt, tmp_path):
    import mmdet
    mmdet_train = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                           'train.py')
    config = osp.join(MINI, 'hgd_retina_r18_retina_r18-w16_mini.py')
    # A bare interpreter: hgd_mm comes from the config's custom_imports.
    run([mmdet_train, config, '--work-dir', str(tmp_path), '--cfg-options',
         *SHORT, f'model.teacher_ckpt={teacher_ckpt}'], fresh=True)
    log = train_log(tmp_path)
    for stage in ['neck_0', 'neck_2', 'neck_4']:
        assert f'distill.loss_hgd_{stage}' in log
        assert f'distill.lambda_hgd_{stage}' in log
    assert (tmp_path / 'epoch_1.pth').exists()


def test_hgd_with_an_extra_mmrazor_loss_trains_through_tools_train(
        teacher_ckpt, tmp_path):
    config = osp.join(MINI,
                      'hgd_with_extra_loss_retina_r18_retina_r18-w16_mini.py')
    train(config, tmp_path, f'model.teacher_ckpt={teacher_ckpt}')
    log = train_log(tmp_path)
    assert re.search(r'distill\.loss_l2_p3: [\d.]+', log)
    assert re.search(r'distill\.loss_hgd_neck_0: [\d.]+', log)
    assert (tmp_path / 'epoch_1.pth').exists()


# The Faster R-CNN run keeps the mini configs' bf16 autocast (the helpers
# train in fp32): mmcv's nms and RoIAlign under CPUAmpOptimWrapper.
@pytest.mark.parametrize('builder,wrapper',
                         [(tiny_retinanet, 'OptimWrapper'),
                          (tiny_faster_rcnn, 'CPUAmpOptimWrapper')],
                         ids=['retinanet', 'faster_rcnn'])
def test_one_line_hgd_config_trains_through_tools_train(
        builder, wrapper, mini_data, tmp_path):
    # A user's config: their own detector pair, the one line for HGD.
    cfg = Config.fromfile(osp.join(MINI, 'retinanet_r18-w16_fpn16_mini.py'))
    cfg.model = dict(
        _scope_='mmrazor',
        type='FpnTeacherDistill',
        architecture=builder(18, 8, 16, num_classes=6).to_dict(),
        teacher=builder(50, 16, 32, num_classes=6).to_dict(),
        distiller=dict(type='HGDDistiller'))
    cfg.custom_imports = dict(imports=['hgd_mm'])
    config = str(tmp_path / 'user_hgd.py')
    cfg.dump(config)
    train(config, tmp_path / 'work', f'optim_wrapper.type={wrapper}')
    log = train_log(tmp_path / 'work')
    assert f"type='{wrapper}'" in log
    stage_losses = re.findall(r'distill\.loss_hgd_(\w+): ([\d.]+)', log)
    stages = {name for name, _ in stage_losses}
    assert stages == {f'neck_{i}' for i in range(5)}  # HGD v2: FPN levels
