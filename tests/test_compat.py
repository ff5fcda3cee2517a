"""Each fix in hgd_mm.compat, and proof that it is needed (fails without it)."""
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import hgd_mm  # noqa: F401  (applies compat)
from hgd_mm import compat

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          cwd=REPO, capture_output=True, text=True,
                          timeout=300)


# --- fix 1: import mmrazor.models on torch >= 2 -----------------------------


def test_mmrazor_models_import_fails_without_the_fix():
    result = run_python('import mmrazor.models')
    assert result.returncode != 0
    assert 'torch>=1.13' in result.stderr


def test_mmrazor_models_imports_with_the_fix_and_registers_distillers():
    result = run_python("""
        import sys
        import hgd_mm
        stub = sys.modules['mmrazor.structures.quantization.backend_config']
        assert 'hgd_mm' in stub.__doc__
        import mmcv.ops, mmrazor.models
        from mmrazor.registry import MODELS
        names = ['SingleTeacherDistill', 'FpnTeacherDistill',
                 'ConfigurableDistiller', 'PKDLoss', 'ChannelWiseDivergence',
                 'MGDLoss', 'L2Loss', 'FBKDStudentConnector', 'ModuleOutputsRecorder',
                 'ModuleInputsRecorder', 'MGDConnector']
        missing = [n for n in names if MODELS.get(n) is None]
        from mmrazor.registry import TASK_UTILS
        missing = [n for n in missing if TASK_UTILS.get(n) is None]
        assert not missing, missing
        print('ok')
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'ok'


def test_quantization_stand_in_explains_itself():
    from mmrazor.structures.quantization import BackendConfigs
    with pytest.raises(compat.QuantizationUnavailableError, match='torch'):
        BackendConfigs['native']


# --- fix 2: mmengine checkpoints with weights_only loading -------------------


def write_mmengine_like_checkpoint(path):
    """What mmengine's Runner.save_checkpoint writes, numpy objects included."""
    from mmengine.logging import MessageHub
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 2)).sum().backward()
    optimizer.step()
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
    hub = MessageHub.get_instance('compat_test')
    hub.update_scalar('train/loss', np.float32(0.5))
    hub.update_scalar('train/lr', 0.1)
    hub.update_info('iter', 3)
    checkpoint = dict(
        meta=dict(seed=np.int64(7), lr=np.float64(0.02), epoch=1,
                  hist=np.arange(4, dtype=np.int32),
                  dataset_meta=dict(classes=('a', 'b'))),
        state_dict=model.state_dict(),
        message_hub=hub.state_dict(),
        optimizer=optimizer.state_dict(),
        param_schedulers=[scheduler.state_dict()])
    torch.save(checkpoint, path)


def test_mmengine_checkpoint_loads_with_weights_only_on(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    path = str(tmp_path / 'ckpt.pth')
    write_mmengine_like_checkpoint(path)
    checkpoint = _load_checkpoint(path, map_location='cpu')
    assert checkpoint['meta']['seed'] == 7
    assert checkpoint['meta']['hist'].tolist() == [0, 1, 2, 3]
    buffer = checkpoint['message_hub']['log_scalars']['train/loss']
    assert buffer.current() == pytest.approx(0.5)
    # weights_only is really on: the explicit call behaves the same.
    torch.load(path, weights_only=True)


def test_mmengine_checkpoint_is_refused_without_the_fix(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    write_mmengine_like_checkpoint(path)
    result = run_python(f"""
        import torch
        try:
            torch.load({path!r}, weights_only=True)
        except Exception as e:
            print('refused', type(e).__name__)
        else:
            print('loaded')
    """)
    assert result.stdout.strip().startswith('refused'), result.stderr


class RunsCode:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_code_executing_pickle_is_still_refused(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    marker = tmp_path / 'was_run'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': RunsCode(marker)}, str(path))
    with pytest.raises(pickle.UnpicklingError):
        _load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()


def test_allow_list_names_only_mmengine_and_numpy_types():
    added = compat.mmengine_checkpoint_safe_globals()
    names = [name if isinstance(obj_name, tuple) else
             f'{obj_name.__module__}.{obj_name.__qualname__}'
             for obj_name in added
             for name in ([obj_name[1]] if isinstance(obj_name, tuple) else
                          [None])]
    assert all(n.startswith(('numpy', 'mmengine', 'builtins.getattr',
                             'builtins.bytes'))
               for n in names), names
    assert os.system not in torch.serialization.get_safe_globals()


def test_getattr_stand_in_resolves_only_history_buffer_methods():
    from mmengine.logging import HistoryBuffer
    assert compat.history_buffer_method(HistoryBuffer, 'mean') is \
        HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError, match='refused'):
        compat.history_buffer_method(os, 'system')
    with pytest.raises(pickle.UnpicklingError, match='refused'):
        compat.history_buffer_method(HistoryBuffer, '__init__')


class ReachesThroughGetattr:
    """A pickle that uses getattr to reach os.system through an allowed type."""

    def __reduce__(self):
        return (getattr, (np.ndarray, 'tofile'))


def test_getattr_in_a_pickle_reaches_nothing_else(tmp_path):
    path = tmp_path / 'getattr.pth'
    torch.save({'meta': ReachesThroughGetattr()}, str(path))
    with pytest.raises(pickle.UnpicklingError, match='refused'):
        torch.load(str(path), weights_only=True)


# --- fix 3: distributed training on CPU (gloo) -------------------------------

DIST_INIT = """
    import os
    os.environ.update(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0',
                      MASTER_ADDR='127.0.0.1', MASTER_PORT='{port}')
    {prelude}
    import torch
    from mmengine.dist import init_dist
    from mmengine.model import MMDistributedDataParallel
    init_dist('pytorch', backend='nccl')  # what mmdet's runtime config asks
    model = MMDistributedDataParallel(module=torch.nn.Linear(2, 2),
                                      device_ids=[0])
    model(torch.ones(1, 2)).sum().backward()
    print('backend', torch.distributed.get_backend())
"""


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only behaviour')
def test_cpu_distributed_fails_without_the_fix():
    result = run_python(DIST_INIT.format(port=free_port(), prelude=''))
    assert result.returncode != 0


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only behaviour')
def test_cpu_distributed_runs_on_gloo_with_the_fix():
    result = run_python(
        DIST_INIT.format(port=free_port(), prelude='import hgd_mm'))
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'backend gloo' in result.stdout


NMS_BF16 = '''
{prelude}
import torch
from mmcv.ops import batched_nms
boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.],
                      [20., 20., 30., 30.]]).bfloat16()
scores = torch.tensor([0.9, 0.8, 0.7]).bfloat16()
dets, keep = batched_nms(boxes, scores, torch.zeros(3, dtype=torch.long),
                         dict(type='nms', iou_threshold=0.5))
print('kept', keep.tolist())
'''


ROI_ALIGN_BF16 = '''
{prelude}
import torch
from mmcv.ops import RoIAlign
feature = torch.arange(16.).reshape(1, 1, 4, 4)
rois = torch.tensor([[0., 0., 0., 2., 2.]])
align = RoIAlign((1, 1), spatial_scale=1.0, sampling_ratio=1, aligned=False)
expected = align(feature, rois)
got = align(feature.bfloat16(), rois.bfloat16())
print('equal', bool(torch.equal(got, expected.bfloat16())), got.dtype)
'''


# (script, what it prints with the fix). NMS: the second box overlaps the
# first (IoU 0.81) and is suppressed. RoIAlign: values exactly representable
# in bf16, so the same result as in float32.
MMCV_BF16_OPS = {
    'nms': (NMS_BF16, 'kept [0, 2]'),
    'roi_align': (ROI_ALIGN_BF16, 'equal True torch.bfloat16'),
}


@pytest.mark.parametrize('op', sorted(MMCV_BF16_OPS))
def test_mmcv_op_refuses_bf16_without_the_fix(op):
    script, _ = MMCV_BF16_OPS[op]
    result = run_python(script.format(prelude=''))
    assert result.returncode != 0
    assert 'BFloat16' in result.stderr


@pytest.mark.parametrize('op', sorted(MMCV_BF16_OPS))
def test_mmcv_op_takes_bf16_with_the_fix(op):
    script, expected = MMCV_BF16_OPS[op]
    result = run_python(script.format(prelude='import hgd_mm'))
    assert result.returncode == 0, result.stderr[-3000:]
    assert expected in result.stdout
