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
