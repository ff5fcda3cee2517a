"""Fix cpu_distributed: needed on a CPU-only host, absent on a CUDA host."""
import socket

import pytest
import torch

from helpers import run_python


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
    # Torn down before exit: gloo's threads, left to the interpreter's
    # exit, once aborted the process ('terminate called without an active
    # exception', 1 run in CI's 616 tests) after everything had passed.
    torch.distributed.destroy_process_group()
"""


def free_port() -> int:
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
    # Said through mmengine's logger (as a warning), not a bare print.
    assert ("mmengine - WARNING - hgd_mm: CUDA is not available; using the "
            "gloo backend instead of 'nccl'") in result.stdout + result.stderr


def test_on_a_cuda_host_mmengine_distributed_is_untouched():
    result = run_python("""
        import torch
        # A CUDA host (mmengine's logger then reads CUDA_VISIBLE_DEVICES).
        torch.cuda.is_available = lambda: True
        import mmengine.dist.utils as dist_utils
        from mmengine.model import MMDistributedDataParallel
        upstream = (dist_utils._init_dist_pytorch,
                    MMDistributedDataParallel.__init__)
        import hgd_mm
        now = (dist_utils._init_dist_pytorch,
               MMDistributedDataParallel.__init__)
        print('untouched', all(a is b for a, b in zip(upstream, now)))
    """, env={'CUDA_VISIBLE_DEVICES': '0'})
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'untouched True' in result.stdout
