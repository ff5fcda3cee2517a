"""tools/model_converters/convert_kd_ckpt_to_student.py: distillation
checkpoint -> plain mmdet student checkpoint and config, and its errors.

A real (tiny) distillation checkpoint: the mini HGD config's algorithm after
one optimizer step, saved the way mmengine saves (meta with dataset_meta and
numpy scalars, message hub, optimizer state).
"""
import glob
import os
import os.path as osp
import pickle
import subprocess
import sys
from typing import Dict, List

import mmcv
import mmdet
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu

from helpers import build, demo_batch
from launcher import run_script
from hgd_mm.model_converters import kd_to_student

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONVERTER = osp.join(REPO, 'tools', 'model_converters',
                     'convert_kd_ckpt_to_student.py')
HGD_MINI = osp.join(REPO, 'configs', 'mini',
                    'hgd_retina_r18_retina_r18-w16_mini.py')
FORBIDDEN = ('teacher', 'distiller', 'connector')


def run_converter(*args: str) -> subprocess.CompletedProcess:
    """The converter in a process of its own, from the repository root
    (forked with the imports done: tests/launcher.py).

    Args:
        args: its command-line arguments.
    """
    return run_script(CONVERTER, args, REPO, timeout=300)


def one_optimizer_step(algorithm: torch.nn.Module) -> torch.optim.Optimizer:
    """One SGD step on a random batch, so every weight is non-trivial.

    Args:
        algorithm: the distillation algorithm.
    """
    params = [p for p in algorithm.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.01, momentum=0.9)
    algorithm.train()
    inputs, samples = demo_batch(algorithm, num_classes=6)
    loss, _ = algorithm.parse_losses(algorithm(inputs, samples, mode='loss'))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return optimizer


def save_like_mmengine(algorithm: torch.nn.Module,
                       optimizer: torch.optim.Optimizer, classes: List[str],
                       path: str) -> None:
    """Save a checkpoint with the fields mmengine's runner writes.

    Args:
        algorithm: the distillation algorithm.
        optimizer: its optimizer.
        classes: dataset classes for ``meta['dataset_meta']``.
        path: output file.
    """
    message_hub = MessageHub.get_instance('convert_kd_ckpt_test')
    message_hub.update_scalar('train/loss', 1.5)
    meta = dict(
        epoch=1,
        iter=1,
        seed=np.int64(42),
        lr=np.float64(0.01),
        dataset_meta=dict(classes=tuple(classes)),
        mmengine_version='0.10.7')
    save_checkpoint(
        dict(
            meta=meta,
            state_dict=weights_to_cpu(algorithm.state_dict()),
            message_hub=message_hub.state_dict(),
            optimizer=optimizer.state_dict()), path)


@pytest.fixture(scope='module')
def converted(mini_data, tmp_path_factory) -> Dict[str, object]:
    """A distilled mini checkpoint, converted by the tool (subprocess)."""
    cfg = Config.fromfile(HGD_MINI)
    cfg.model.teacher_ckpt = None
    algorithm = build(cfg.model)
    algorithm.init_weights()  # mmdet's head priors; the mini models download
    # nothing (init_cfg=None)
    optimizer = one_optimizer_step(algorithm)
    classes = list(cfg.metainfo.classes)
    work_dir = tmp_path_factory.mktemp('distilled')
    checkpoint = str(work_dir / 'epoch_1.pth')
    save_like_mmengine(algorithm, optimizer, classes, checkpoint)
    out_dir = work_dir / 'student'
    result = run_converter(checkpoint, '--out-path', str(out_dir),
                           '--out-config', '--config', HGD_MINI)
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(
        algorithm=algorithm,
        classes=classes,
        checkpoint=str(out_dir / 'epoch_1_student.pth'),
        config=str(out_dir / 'epoch_1_student_config.py'),
        images=sorted(glob.glob(osp.join(mini_data, 'val', '*')))[:3])


def test_student_checkpoint_is_exactly_the_student(converted):
    algorithm = converted['algorithm']
    checkpoint = torch.load(converted['checkpoint'], map_location='cpu',
                            weights_only=True)
    assert set(checkpoint) == {'meta', 'state_dict'}
    state = checkpoint['state_dict']
    assert not [k for k in state if any(w in k for w in FORBIDDEN)]
    expected = algorithm.student.state_dict()
    assert list(state) == list(expected)
    for key, value in expected.items():
        assert torch.equal(state[key], value), key
    meta = checkpoint['meta']
    assert meta['dataset_meta']['classes'] == tuple(converted['classes'])
    assert meta['seed'] == 42 and type(meta['seed']) is int


PLAIN_MMDET = """
import sys
import torch
from mmdet.apis import inference_detector, init_detector
config, checkpoint, image = sys.argv[1:]
torch.load(checkpoint, weights_only=True)
detector = init_detector(config, checkpoint, device='cpu')
inference_detector(detector, image)
print(detector.dataset_meta['classes'][0],
      any(name.split('.')[0] in ('hgd_mm', 'mmrazor') for name in sys.modules))
"""


def test_plain_mmdet_uses_the_student_without_hgd_mm(converted):
    # numpy values of meta were made plain: torch's default weights-only
    # loading reads the file with no allow-list from hgd_mm, and the config
    # needs neither hgd_mm nor MMRazor.
    result = subprocess.run(
        [sys.executable, '-c', PLAIN_MMDET, converted['config'],
         converted['checkpoint'], converted['images'][0]],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-2:] == [converted['classes'][0], 'False']


# mmdet's own test script, with every import of hgd_mm made to fail.
MMDET_TEST = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                      'test.py')
WITHOUT_HGD_MM = """
import runpy, sys
sys.modules['hgd_mm'] = None  # `import hgd_mm` raises ImportError
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def test_mmdet_own_test_script_evaluates_the_student(converted, tmp_path):
    result = subprocess.run(
        [sys.executable, '-c', WITHOUT_HGD_MM, MMDET_TEST,
         converted['config'], converted['checkpoint'], '--work-dir',
         str(tmp_path), '--out', str(tmp_path / 'results.pkl'),
         # a student one step old scores low: keep every box, so that
         # CocoMetric has detections to score
         '--cfg-options', 'model.test_cfg.score_thr=0.0'],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout[-3000:] +
                                    result.stderr[-3000:])
    assert 'coco/bbox_mAP:' in result.stdout
    with open(tmp_path / 'results.pkl', 'rb') as f:
        results = pickle.load(f)
    val_images = len(glob.glob(osp.join(osp.dirname(converted['images'][0]),
                                        '*')))
    assert len(results) == val_images
    assert all(len(r['pred_instances']['bboxes']) > 0 for r in results)


def test_cfg_path_student_expands_to_the_model_mmrazor_builds(converter):
    config = osp.join(REPO, 'configs', 'hgd',
                      'hgd_retina_r50_retina_r18_1x_coco.py')
    cfg = Config.fromfile(config)
    assert 'cfg_path' in cfg.model.architecture
    cfg.model.teacher_ckpt = None
    algorithm = build(cfg.model)
    student_cfg = converter.student_config(config)
    assert student_cfg.model.type == 'RetinaNet'
    assert student_cfg.model.backbone.depth == 18
    assert 'custom_imports' not in student_cfg
    from mmdet.registry import MODELS
    student = MODELS.build(student_cfg.model)
    expected = algorithm.student.state_dict()
    assert {k: v.shape for k, v in student.state_dict().items()} == {
        k: v.shape for k, v in expected.items()}


def test_student_config_is_plain_mmdet(converted):
    cfg = Config.fromfile(converted['config'])
    assert cfg.model.type == 'RetinaNet'
    assert 'teacher_ckpt' not in cfg and 'teacher' not in cfg.model
    assert 'custom_imports' not in cfg
    # hgd_mm's training parts -> mmengine's (the distillation config has
    # AtomicCheckpointHook, CPUAmpOptimWrapper and NonFiniteLossHook)
    assert cfg.default_hooks.checkpoint.type == 'CheckpointHook'
    assert cfg.default_hooks.checkpoint.max_keep_ckpts == 2
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=35, norm_type=2)
    assert cfg.custom_hooks == []
    assert not kd_to_student.uses_hgd_mm(cfg.to_dict())
    assert cfg.val_cfg.type == 'ValLoop'
    assert cfg.test_cfg.type == 'TestLoop'
    assert cfg.default_scope == 'mmdet'


def test_init_detector_gives_the_distilled_students_detections(converted):
    from mmdet.apis import inference_detector, init_detector

    # Score threshold 0, so that every kept box is compared.
    no_threshold = {'model.test_cfg.score_thr': 0.0}
    detector = init_detector(converted['config'], converted['checkpoint'],
                             device='cpu', cfg_options=no_threshold)
    assert detector.dataset_meta['classes'] == tuple(converted['classes'])

    student = converted['algorithm'].student
    student.cfg = Config.fromfile(converted['config'])
    student.cfg.merge_from_dict(no_threshold)
    student.bbox_head.test_cfg['score_thr'] = 0.0
    student.eval()

    images = [mmcv.imread(path) for path in converted['images']]
    assert len(images) == 3
    with torch.no_grad():
        ours = inference_detector(detector, images)
        theirs = inference_detector(student, images)
    for mine, expected in zip(ours, theirs):
        mine, expected = mine.pred_instances, expected.pred_instances
        assert len(mine) > 0
        assert torch.equal(mine.bboxes, expected.bboxes)
        assert torch.equal(mine.scores, expected.scores)
        assert torch.equal(mine.labels, expected.labels)


# --- errors ----------------------------------------------------------------


@pytest.fixture(scope='module')
def converter():
    return kd_to_student


def test_default_output_is_next_to_the_checkpoint(
        converter, tmp_path, capsys):
    checkpoint = tmp_path / 'epoch_3.pth'
    torch.save(
        dict(state_dict={
            'architecture.w': torch.ones(2),
            'teacher.w': torch.zeros(2),
            'distiller.stage_connectors.neck_0.w': torch.zeros(1)},
             meta=dict(dataset_meta=dict(classes=('a', ))),
             optimizer={}), checkpoint)
    assert converter.main([str(checkpoint)]) == 0
    student = torch.load(tmp_path / 'epoch_3_student.pth', weights_only=True)
    assert list(student['state_dict']) == ['w']
    assert student['meta'] == dict(dataset_meta=dict(classes=('a', )))
    assert 'epoch_3_student.pth' in capsys.readouterr().out


def test_missing_checkpoint_is_a_clear_error(converter, tmp_path, capsys):
    missing = str(tmp_path / 'nope.pth')
    assert converter.main([missing, '--out-path', str(tmp_path / 'out')]) == 1
    error = capsys.readouterr().err
    assert 'does not exist' in error and missing in error
    assert not (tmp_path / 'out').exists()


def test_plain_checkpoint_is_not_a_distillation_checkpoint(
        converter, tmp_path, capsys):
    plain = str(tmp_path / 'plain.pth')
    torch.save(dict(meta={}, state_dict={'backbone.conv1.weight':
                                         torch.zeros(1)}), plain)
    assert converter.main([plain]) == 1
    error = capsys.readouterr().err
    assert 'does not look like an MMRazor distillation checkpoint' in error
    assert "'backbone.conv1.weight'" in error
    assert not (tmp_path / 'plain_student.pth').exists()


class RunsCode:
    """A pickle payload that would create ``marker`` when unpickled."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mknod, (self.marker, ))


def test_checkpoint_whose_pickle_runs_code_is_refused(converter, tmp_path,
                                                      capsys):
    marker = str(tmp_path / 'code_ran')
    malicious = str(tmp_path / 'malicious.pth')
    torch.save(
        dict(meta=dict(payload=RunsCode(marker)),
             state_dict={'architecture.w': torch.zeros(1)}), malicious)
    assert converter.main([malicious]) == 1
    error = capsys.readouterr().err
    assert 'refused to load' in error and 'could run code' in error
    assert 'posix.mknod' in error or 'os.mknod' in error
    assert not osp.exists(marker)
    assert not (tmp_path / 'malicious_student.pth').exists()


def test_raw_pickle_and_truncated_checkpoint_are_clear_errors(
        converter, tmp_path, capsys):
    marker = tmp_path / 'code_ran'
    raw = tmp_path / 'raw.pth'
    raw.write_bytes(pickle.dumps(RunsCode(str(marker)), protocol=2))
    assert converter.main([str(raw)]) == 1
    assert 'refused to load' in capsys.readouterr().err
    assert not marker.exists()

    truncated = tmp_path / 'truncated.pth'
    torch.save(dict(state_dict={'architecture.w': torch.zeros(100)}),
               truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    assert converter.main([str(truncated)]) == 1
    assert 'not a readable torch checkpoint' in capsys.readouterr().err


def test_config_errors(converter, tmp_path, capsys):
    checkpoint = str(tmp_path / 'kd.pth')
    torch.save(dict(state_dict={'architecture.w': torch.zeros(1)}),
               checkpoint)
    with pytest.raises(SystemExit):
        converter.main([checkpoint, '--out-config'])
    assert '--out-config needs --config' in capsys.readouterr().err

    plain_config = osp.join(REPO, 'configs', 'mini',
                            'retinanet_r18_fpn64_mini.py')
    assert converter.main(
        [checkpoint, '--out-config', '--config', plain_config]) == 1
    assert 'has no model.architecture' in capsys.readouterr().err
    assert converter.main([
        checkpoint, '--out-config', '--config',
        str(tmp_path / 'missing.py')
    ]) == 1
    assert 'does not exist' in capsys.readouterr().err
    assert not (tmp_path / 'kd_student.pth').exists()
