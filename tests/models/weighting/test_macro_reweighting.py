"""MacroReweighting: fixed, balanced and uncertainty stage weights."""
import math

import pytest
import torch

from hgd_mm.models import MacroReweighting


def test_fixed_mode_applies_the_given_weights():
    macro = MacroReweighting(3, mode='fixed', stage_weights=[1.0, 0.5, 0.0])
    weighted, lambdas = macro(torch.tensor([2.0, 4.0, 8.0]))
    assert weighted.tolist() == [2.0, 2.0, 0.0]
    assert lambdas.tolist() == [1.0, 0.5, 0.0]


def test_default_stage_weights_average_the_stages():
    macro = MacroReweighting(4, mode='fixed')
    weighted, _ = macro(torch.tensor([1.0, 2.0, 3.0, 6.0]))
    assert weighted.sum().item() == pytest.approx(3.0)


def test_balanced_mode_gives_every_stage_the_same_share():
    macro = MacroReweighting(3, mode='balanced', stage_weights=[1, 1, 1])
    magnitudes = torch.tensor([20.0, 1.0, 0.5])
    for step in range(50):
        noise = 1 + 0.05 * math.sin(step)
        losses = (magnitudes * noise).requires_grad_()
        weighted, lambdas = macro(losses)
    shares = weighted.detach() / weighted.detach().sum()
    torch.testing.assert_close(shares, torch.full((3, ), 1 / 3), rtol=0.02,
                               atol=0.0)
    # The total keeps the magnitude of the unweighted sum...
    assert weighted.sum().item() == pytest.approx(
        losses.sum().item(), rel=0.05)
    # ...and lambda is a detached constant: stage k's gradient is lambda_k.
    weighted.sum().backward()
    torch.testing.assert_close(losses.grad, lambdas)
    assert not lambdas.requires_grad


def test_balanced_running_mean_is_bias_corrected_and_frozen_in_eval():
    macro = MacroReweighting(2, mode='balanced', momentum=0.9)
    macro(torch.tensor([4.0, 1.0]))
    torch.testing.assert_close(macro.balanced_means(),
                               torch.tensor([4.0, 1.0]))
    macro.eval()
    macro(torch.tensor([400.0, 100.0]))
    assert macro.num_updates.item() == 1


def test_uncertainty_parameters_receive_gradients():
    macro = MacroReweighting(2, mode='uncertainty', stage_weights=[1, 1])
    with torch.no_grad():
        macro.log_vars.copy_(torch.tensor([0.0, 1.0]))
    losses = torch.tensor([3.0, 5.0])
    weighted, lambdas = macro(losses)
    expected = torch.tensor([3.0, math.exp(-1) * 5.0 + 1.0])
    torch.testing.assert_close(weighted.detach(), expected)
    weighted.sum().backward()
    # d/ds (exp(-s) L + s) = 1 - exp(-s) L
    torch.testing.assert_close(
        macro.log_vars.grad, torch.tensor([1 - 3.0, 1 - math.exp(-1) * 5.0]))
    torch.testing.assert_close(lambdas, torch.tensor([1.0, math.exp(-1)]))


def test_state_is_saved_in_the_state_dict():
    macro = MacroReweighting(2, mode='uncertainty')
    assert {'log_vars', 'running_mean', 'num_updates',
            'stage_weights'} <= set(macro.state_dict())


@pytest.mark.parametrize('kwargs,match', [
    (dict(mode='softmax'), 'unknown'),
    (dict(stage_weights=[1.0]), 'one per stage'),
    (dict(stage_weights=[1.0, -1.0]), '>= 0'),
    (dict(momentum=1.0), 'momentum'),
])
def test_impossible_options_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MacroReweighting(2, **kwargs)


def test_balanced_weight_of_a_silent_stage_is_bounded():
    macro = MacroReweighting(2, mode='balanced', stage_weights=[1, 1])
    _, lambdas = macro(torch.tensor([1.0, 0.0]))
    assert lambdas.max().item() <= 100.0


def test_gap_mode_weighs_stages_by_what_is_left_to_match():
    # The student matches stage 0 (small loss): gap mode lowers its weight,
    # in proportion to its running mean, where balanced mode would raise it.
    macro = MacroReweighting(2, mode='gap', stage_weights=[1.0, 1.0])
    for _ in range(30):
        losses = torch.tensor([0.5, 1.5], requires_grad=True)
        weighted, lambdas = macro(losses)
    torch.testing.assert_close(lambdas, torch.tensor([0.5, 1.5]))
    weighted.sum().backward()
    torch.testing.assert_close(losses.grad, lambdas)  # detached lambdas
    balanced = MacroReweighting(2, mode='balanced', stage_weights=[1.0, 1.0])
    _, balanced_lambdas = balanced(torch.tensor([0.5, 1.5]))
    assert balanced_lambdas[0] > balanced_lambdas[1]


def test_group_schedule_decays_one_group_only():
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('test_group_schedule')
    macro = MacroReweighting(
        3, stage_weights=[1.0, 1.0, 1.0],
        stage_groups=['backbone', 'backbone', 'neck'],
        group_weights=dict(backbone=2.0),
        group_schedules=dict(backbone=dict(decay='cosine', max_iters=10)))
    expected = {0: 1.0, 5: 0.5, 10: 0.0}
    for iteration, factor in expected.items():
        hub.update_info('iter', iteration)
        _, lambdas = macro(torch.ones(3))
        torch.testing.assert_close(
            lambdas, torch.tensor([2.0 * factor, 2.0 * factor, 1.0]))


@pytest.mark.parametrize('kwargs, match', [
    (dict(group_weights=dict(backbone=1.0)), 'stage_groups'),
    (dict(stage_groups=['neck', 'neck'], group_weights=dict(backbone=1.0)),
     'no stage'),
    (dict(stage_groups=['neck']), '1 stage_groups'),
])
def test_group_options_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MacroReweighting(2, **kwargs)


@pytest.mark.parametrize('mode', ['gap', 'balanced'])
def test_eval_before_any_training_step_uses_the_current_losses(mode):
    macro = MacroReweighting(2, mode=mode, stage_weights=[1.0, 1.0]).eval()
    _, lambdas = macro(torch.tensor([1.0, 3.0]))
    expected = ([0.5, 1.5] if mode == 'gap' else [2.0, 2.0 / 3.0])
    torch.testing.assert_close(lambdas, torch.tensor(expected))
    assert macro.num_updates.item() == 0


NECK = ['neck'] * 5
ALL = ['backbone'] * 4 + NECK


@pytest.mark.parametrize('mode', ['fixed', 'gap', 'balanced'])
def test_a_stage_group_added_never_weakens_another(mode):
    # The neck levels weigh the same whether or not backbone stages are
    # distilled beside them (issue: with weights 1/K and gap normalised
    # over all K, adding 4 backbone stages ran the FPN at 5/(5 + 4 rho)).
    neck_only = MacroReweighting(5, mode=mode, stage_groups=NECK)
    with_backbone = MacroReweighting(
        9, mode=mode, stage_groups=ALL,
        group_schedules=dict(backbone=dict(decay='cosine', max_iters=10)))
    torch.manual_seed(0)
    for step in range(20):
        neck = torch.rand(5) + 0.5
        backbone = 3 * torch.rand(4) + 1  # rho = backbone / neck ~ 3
        a, _ = neck_only(neck)
        b, lambdas = with_backbone(torch.cat([backbone, neck]))
        torch.testing.assert_close(b[4:], a)
    # Each group sums to its own strength: 1 x its mean loss when fixed.
    if mode == 'fixed':
        assert lambdas[:4].sum().item() == pytest.approx(0.0, abs=1e-12)
        assert lambdas[4:].sum().item() == pytest.approx(1.0)


def test_gap_shares_are_taken_within_each_group():
    macro = MacroReweighting(4, mode='gap', stage_groups=['a', 'a', 'b', 'b'],
                             momentum=0.0)
    _, lambdas = macro(torch.tensor([1.0, 3.0, 10.0, 30.0]))
    # w = 1/2 per stage of each group; share = m_k / mean of its group
    torch.testing.assert_close(lambdas, torch.tensor([0.25, 0.75, 0.25, 0.75]))


def test_a_non_finite_stage_keeps_its_running_mean():
    # The distiller's guard puts 0 in place of a non-finite stage loss; the
    # running mean used to record that 0, and gap then dropped the stage.
    macro = MacroReweighting(3, mode='gap', momentum=0.9)
    for _ in range(5):
        macro(torch.tensor([1.0, 2.0, 4.0]))
    before = macro.balanced_means().clone()
    _, lambdas_before = macro(torch.tensor([1.0, 2.0, 4.0]))
    after_good = macro.balanced_means().clone()
    _, lambdas = macro(torch.tensor([1.0, 0.0, 4.0]),
                       finite=torch.tensor([True, False, True]))
    torch.testing.assert_close(before, after_good)  # constant losses
    torch.testing.assert_close(macro.balanced_means(), after_good)
    torch.testing.assert_close(lambdas, lambdas_before)
    assert macro.num_updates.item() == 7


@pytest.mark.parametrize('mode', ['gap', 'balanced'])
def test_stage_weights_are_the_same_under_bf16_autocast(mode):
    # The distiller runs inside the optimiser wrapper's autocast: a matmul
    # there ran in bf16 and scaled every lambda by ~1.0008.
    losses = torch.tensor([2.07018, 1.9, 2.3, 2.2, 1.7])
    plain = MacroReweighting(5, mode=mode, stage_groups=NECK)
    autocast = MacroReweighting(5, mode=mode, stage_groups=NECK)
    expected = plain(losses)[1]
    with torch.autocast('cpu', dtype=torch.bfloat16):
        got = autocast(losses)[1]
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
    if mode == 'gap':  # shares of the group's weight
        assert got.sum().item() == pytest.approx(1.0, abs=1e-6)
