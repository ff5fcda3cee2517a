"""speed_worker: the micro-weight timing times the shipped defaults' whole
path, the teacher's confidence included."""
import torch

from hgd_mm.models.weighting import MicroReweighting
from hgd_mm_dev.benchmarks import speed_worker


def test_micro_weight_timing_takes_the_confidence_path(monkeypatch):
    calls = []
    forward = MicroReweighting.forward

    def recording(self, *args, **kwargs):
        calls.append((self.needs_confidence, kwargs.get('confidence')))
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(MicroReweighting, 'forward', recording)
    monkeypatch.setattr(speed_worker, 'MICRO_BOXES', (3, ))
    result = speed_worker.measure_micro_weights(repeats=1)
    assert [e['boxes'] for e in result['micro_weights']] == [3]
    assert calls and all(needs and isinstance(conf, torch.Tensor)
                         for needs, conf in calls)


def test_the_worker_reports_what_its_wrapper_trains_in():
    import torch
    from mmengine.optim import AmpOptimWrapper, OptimWrapper

    from hgd_mm.engine import CPUAmpOptimWrapper
    from hgd_mm_dev.benchmarks.speed_worker import wrapper_precision
    model = torch.nn.Linear(2, 2)

    def optimizer():
        return torch.optim.SGD(model.parameters(), lr=0.1)

    for chosen in ('bf16', 'fp32'):
        assert wrapper_precision(CPUAmpOptimWrapper(
            optimizer=optimizer(), precision=chosen)) == chosen
    assert wrapper_precision(OptimWrapper(optimizer())) == 'fp32'
    # mmengine's wrapper needs CUDA to be built: its dtype is all that counts
    cuda = object.__new__(AmpOptimWrapper)
    for dtype, name in ((None, 'fp16'), (torch.float16, 'fp16'),
                        (torch.bfloat16, 'bf16')):
        cuda.cast_dtype = dtype
        assert wrapper_precision(cuda) == name
