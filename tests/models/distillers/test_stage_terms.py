"""stage_terms(): one pair's terms, and the distiller's losses built from
them, against slow, obvious references."""
import copy

import pytest
import torch
from mmengine.registry import DefaultScope

from helpers import build, demo_batch, hgd_algorithm, tiny_retinanet
from hgd_mm.models import HandsOnImitationLoss, HGDConnector, MicroReweighting
from hgd_mm.models.connectors import get_normalization
from hgd_mm.models.distillers import stage_terms


def standardize_over_batch(feature):
    """Per channel over B x H x W, one channel at a time."""
    out = torch.empty_like(feature)
    for c in range(feature.shape[1]):
        values = feature[:, c]
        out[:, c] = (values - values.mean()) / torch.sqrt(
            values.var(unbiased=False) + 1e-5)
    return out


def project(connector, feature):
    """The 1x1 convolution as a sum over input channels (same grid)."""
    if isinstance(connector.projection, torch.nn.Identity):
        return feature
    weight = connector.projection.weight[:, :, 0, 0]
    return torch.einsum('oc,bchw->bohw', weight, feature)


def test_terms_match_a_loop_reference_and_only_the_student_side_learns():
    torch.manual_seed(0)
    connector = HGDConnector(6, 10, bias=False)
    student = torch.randn(2, 6, 8, 8)
    teacher = (torch.randn(2, 10, 8, 8) * 30 + 5).requires_grad_()
    boxes = [torch.tensor([[0.0, 0.0, 16.0, 16.0]]), torch.zeros(0, 4)]
    loss = HandsOnImitationLoss(gamma=0.0)
    terms = stage_terms(student, teacher, connector,
                        get_normalization('batch_channel_std'), loss,
                        MicroReweighting(background='saliency'), boxes,
                        (64, 64))

    student_hat = standardize_over_batch(project(connector, student))
    teacher_hat = standardize_over_batch(teacher.detach())
    torch.testing.assert_close(terms.student, student_hat, atol=1e-5,
                               rtol=1e-5)
    torch.testing.assert_close(terms.teacher, teacher_hat, atol=1e-5,
                               rtol=1e-5)
    expected = 0.0
    for b in range(2):
        for h in range(8):
            for w in range(8):
                error = (student_hat[b, :, h, w] -
                         teacher_hat[b, :, h, w]).pow(2).mean()
                expected += terms.weights[b, h, w] * error
    torch.testing.assert_close(terms.loss, expected / 2, atol=1e-5,
                               rtol=1e-5)
    # Saliency from the raw teacher (where it fires), not the standardised.
    torch.testing.assert_close(terms.teacher_saliency,
                               teacher.detach().abs().mean(dim=1))
    torch.testing.assert_close(terms.teacher_raw, teacher.detach())
    assert not terms.teacher.requires_grad and not terms.weights.requires_grad

    terms.loss.backward()
    assert connector.projection.weight.grad.abs().sum() > 0
    assert teacher.grad is None


def test_without_micro_weights_the_loss_is_the_mean_squared_error():
    torch.manual_seed(1)
    connector = HGDConnector(4, 4, bias=False, project=True)
    student, teacher = torch.randn(3, 4, 5, 5), torch.randn(3, 4, 5, 5)
    terms = stage_terms(student, teacher, connector, get_normalization(None),
                        HandsOnImitationLoss(gamma=0.0), None, [], (40, 40))
    assert terms.weights is None and terms.teacher_saliency is None
    expected = (project(connector, student) - teacher).pow(2).mean()
    torch.testing.assert_close(terms.loss, expected)


def test_terms_are_fp32_under_bf16_autocast():
    connector = HGDConnector(4, 8)
    student = torch.randn(2, 4, 6, 6, dtype=torch.bfloat16)
    teacher = torch.randn(2, 8, 12, 12, dtype=torch.bfloat16)
    with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
        terms = stage_terms(student, teacher, connector,
                            get_normalization('channel_std'),
                            HandsOnImitationLoss(), MicroReweighting(),
                            [torch.zeros(0, 4)] * 2, (48, 48))
    assert all(t.dtype == torch.float32
               for t in (terms.student, terms.teacher, terms.loss))


def test_distiller_losses_match_a_reference_from_the_recorded_features():
    """The whole loss path (batch standardisation, no micro, the default
    hands-on term, fixed 1/K_g within each group of stages, w=15, all
    stages) against its definition, computed from the features the
    recorders hold; the hands-on term by MMRazor's ChannelWiseDivergence
    (the same divergence, written independently)."""
    from mmrazor.models.losses import ChannelWiseDivergence
    divergence = ChannelWiseDivergence(tau=1.0, loss_weight=1.0)
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32),
                      distiller=dict(stages='all', micro=None,
                                     macro=dict(mode='fixed'))))
    distiller = algorithm.distiller
    inputs, samples = demo_batch(algorithm)
    losses = algorithm(inputs, samples, mode='loss')
    student = distiller.recorded_stages(distiller.student_recorders)
    teacher = distiller.recorded_stages(distiller.teacher_recorders)
    sources = [s.source for s, _ in distiller.pairs]
    assert set(sources) == {'backbone', 'neck'}
    for s, t in distiller.pairs:
        num_stages = sources.count(s.source)  # K_g, the stage's group
        connector = distiller.stage_connectors[s.key]
        student_map = student[s.name].detach()
        if student_map.shape[-2:] != teacher[t.name].shape[-2:]:
            pytest.fail(f'{s.name} and {t.name} differ in size: the tiny '
                        f'pair is meant to pair equal strides')
        aligned = project(connector, student_map)
        expected = (standardize_over_batch(aligned) -
                    standardize_over_batch(teacher[t.name])).pow(2).mean()
        # (MMRazor views the maps: give it contiguous ones)
        expected = expected + divergence(aligned.contiguous(),
                                         teacher[t.name].contiguous())
        torch.testing.assert_close(
            losses[f'distill.loss_hgd_{s.key}'].detach(),
            15.0 / num_stages * expected, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize('order', ['student_first', 'teacher_first'])
def test_pairs_are_built_once_whichever_side_is_prepared_first(
        order, monkeypatch):
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32)))
    distiller = copy.deepcopy(algorithm.distiller)
    distiller.student_stages = distiller.teacher_stages = None
    builds = []
    build_pairs = type(distiller).build_pairs
    monkeypatch.setattr(type(distiller), 'build_pairs',
                        lambda self: builds.append(1) or build_pairs(self))
    sides = [('student', algorithm.student), ('teacher', algorithm.teacher)]
    if order == 'teacher_first':
        sides.reverse()
    # As inside the algorithm's build (its config has _scope_='mmrazor'),
    # whatever scope an earlier test left as the default.
    with DefaultScope.overwrite_default_scope('mmrazor'):
        getattr(distiller, f'prepare_from_{sides[0][0]}')(sides[0][1])
        assert builds == []
        getattr(distiller, f'prepare_from_{sides[1][0]}')(sides[1][1])
    assert builds == [1]
    assert [(s.name, t.name) for s, t in distiller.pairs] == [
        (s.name, t.name) for s, t in algorithm.distiller.pairs
    ]
