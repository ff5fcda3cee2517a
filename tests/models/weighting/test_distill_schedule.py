"""DistillWeightSchedule: w(t) over training."""
import pytest
from mmengine.logging import MessageHub

from hgd_mm.models import DistillWeightSchedule


def test_schedule_values_at_given_iterations():
    warm = DistillWeightSchedule(loss_weight=2.0, warmup_iters=4)
    assert [warm(i) for i in (0, 1, 3, 4, 100)] == [0.5, 1.0, 2.0, 2.0, 2.0]
    cosine = DistillWeightSchedule(loss_weight=1.0, warmup_iters=10,
                                   decay='cosine', min_ratio=0.2,
                                   max_iters=110)
    assert cosine(10) == pytest.approx(1.0)
    assert cosine(60) == pytest.approx(0.6)
    assert cosine(110) == pytest.approx(0.2)
    assert cosine(500) == pytest.approx(0.2)


def test_schedule_reads_the_runner_iteration_from_the_message_hub():
    hub = MessageHub.get_instance('schedule_test')
    hub.update_info('iter', 7)
    hub.update_info('max_iters', 14)
    schedule = DistillWeightSchedule(decay='cosine')
    assert schedule() == pytest.approx(0.5)


@pytest.mark.parametrize('kwargs', [
    dict(loss_weight=-1.0), dict(warmup_iters=-1), dict(decay='step'),
    dict(min_ratio=2.0)
])
def test_schedule_refuses_impossible_values(kwargs):
    with pytest.raises(ValueError, match='DistillWeightSchedule'):
        DistillWeightSchedule(**kwargs)
