"""Fix ``cpu_distributed``: mmengine's distributed training on CPU (gloo).

mmengine 0.10.7 calls ``torch.cuda.set_device`` in ``init_dist`` and passes
``device_ids=[LOCAL_RANK]`` to DDP, both of which fail without CUDA; and
mmdet's runtime config asks for the ``nccl`` backend. Without CUDA we skip
``set_device``, use ``gloo``, and give DDP no device ids (what torch requires
for CPU modules).

Scope: installed at ``import hgd_mm`` only when CUDA is not available; on a
CUDA host mmengine's ``_init_dist_pytorch`` and
``MMDistributedDataParallel.__init__`` are left as they are.
"""
import logging
import os

import torch

__all__ = ['patch_cpu_distributed']

CPU_MARK = '_hgd_mm_cpu'


def patch_cpu_distributed() -> bool:
    """Let mmengine's ``init_dist`` and DDP wrapper run on CPU with gloo.

    Returns True if patched now, False if CUDA is available (nothing to fix)
    or it is already patched.
    """
    if torch.cuda.is_available():
        return False
    import mmengine.dist.utils as dist_utils
    from mmengine.model.wrappers import MMDistributedDataParallel

    if getattr(dist_utils._init_dist_pytorch, CPU_MARK, False):
        return False

    def init_dist_pytorch_cpu(backend: str, *args, **kwargs) -> None:
        from mmengine.logging import print_log
        if backend != 'gloo':
            print_log(
                f'hgd_mm: CUDA is not available; using the gloo backend '
                f'instead of {backend!r}.',
                logger='current',
                level=logging.WARNING)
        torch.distributed.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **{k: v for k, v in kwargs.items() if k != 'init_backend'})

    setattr(init_dist_pytorch_cpu, CPU_MARK, True)
    dist_utils._init_dist_pytorch = init_dist_pytorch_cpu

    ddp_init = MMDistributedDataParallel.__init__

    def ddp_init_cpu(self, module, detect_anomalous_params=False, **kwargs):
        if all(p.device.type == 'cpu' for p in module.parameters()):
            # torch: "device_ids ... must be None for CPU modules".
            kwargs['device_ids'] = None
            kwargs.pop('output_device', None)
        ddp_init(self, module, detect_anomalous_params, **kwargs)

    setattr(ddp_init_cpu, CPU_MARK, True)
    MMDistributedDataParallel.__init__ = ddp_init_cpu
    return True
