"""hgd_mm.analysis.stage_maps: the maps are those the loss used."""
import pytest
import torch

from helpers import build, demo_batch, hgd_algorithm, tiny_retinanet
from hgd_mm.analysis import stage_maps


@pytest.mark.parametrize('micro', [None, dict()], ids=['uniform', 'micro'])
def test_maps_reproduce_each_stage_loss(micro):
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32),
                      distiller=dict(micro=micro, loss=dict(gamma=0.0))))
    algorithm.eval()
    inputs, samples = demo_batch(algorithm, batch_size=1, size=256)
    with torch.no_grad():
        losses = algorithm.loss(inputs, samples)
    maps = stage_maps(algorithm.distiller)
    distiller = algorithm.distiller
    assert list(maps) == [s.key for s, _ in distiller.pairs]
    weight = losses['distill.hgd_weight'].item()
    teacher_maps = distiller.recorded_stages(distiller.teacher_recorders)
    teacher_of = {s.key: t.name for s, t in distiller.pairs}
    for key, stage in maps.items():
        share = losses[f'distill.loss_hgd_{key}'].item()
        stage_lambda = losses[f'distill.lambda_hgd_{key}'].item()
        assert stage['loss'] == pytest.approx(share / (weight * stage_lambda),
                                              rel=1e-5)
        # The maps show the feature term; with the hands-on term off
        # (gamma=0) one image's L_k is its error map weighted by W.
        assert float((stage['weights'] * stage['error']).sum()) == \
            pytest.approx(stage['loss'], rel=1e-5)
        assert stage['error'].shape == stage['weights'].shape
        # The teacher's map is mean_c T^2 of the raw recorded stage.
        torch.testing.assert_close(
            stage['teacher_attention'],
            teacher_maps[teacher_of[key]][0].float().pow(2).mean(dim=0))
        assert stage['student_attention'].shape == stage['weights'].shape
        if micro is None:
            uniform = 1 / stage['weights'].numel()
            assert torch.allclose(stage['weights'],
                                  torch.full_like(stage['weights'], uniform))
