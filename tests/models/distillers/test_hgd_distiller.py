"""HGDDistiller inside MMRazor's algorithms, on tiny real mmdet detectors."""
import copy

import pytest
import torch
import torch.nn.functional as F

from helpers import (build, demo_batch, hgd_algorithm, tiny_faster_rcnn,
                     tiny_retinanet)


def mobilenet_v2_retinanet(neck_channels=16, num_classes=3):
    model = tiny_retinanet(neck_channels=neck_channels,
                           num_classes=num_classes)
    model.backbone = dict(type='MobileNetV2', widen_factor=0.25,
                          out_indices=(1, 2, 4, 6), init_cfg=None)
    model.neck.in_channels = [8, 8, 24, 80]
    return model


def optimizer_steps(algorithm, steps=3, seed=0):
    params = [p for p in algorithm.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.01, momentum=0.9)
    algorithm.train()
    for step in range(steps):
        inputs, samples = demo_batch(algorithm, seed=seed + step)
        losses = algorithm(inputs, samples, mode='loss')
        loss, _ = algorithm.parse_losses(losses)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses


def snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


@pytest.mark.parametrize('student,teacher', [
    (tiny_retinanet(18, 8, 16), tiny_retinanet(101, 16, 32)),
    (tiny_faster_rcnn(18, 8, 16), tiny_faster_rcnn(50, 16, 32)),
    (mobilenet_v2_retinanet(16), tiny_retinanet(50, 16, 32)),
],
                         ids=['retinanet_r101_r18', 'faster_rcnn_r50_r18',
                              'retinanet_r50_mobilenetv2'])
def test_one_line_config_trains_and_leaves_the_teacher_untouched(
        student, teacher):
    algorithm = build(hgd_algorithm(student, teacher,
                                    distiller=dict(stages='all')))
    distiller = algorithm.distiller
    # Every backbone output and every neck level, channels differing.
    assert len(distiller.pairs) == 9
    assert all(s.channels != t.channels for s, t in distiller.pairs)
    teacher_before = snapshot(algorithm.teacher)
    connectors_before = snapshot(distiller.stage_connectors)

    losses = optimizer_steps(algorithm)

    for s, _ in distiller.pairs:
        assert f'distill.loss_hgd_{s.key}' in losses
        assert f'distill.lambda_hgd_{s.key}' in losses
    assert 'distill.hgd_weight' in losses
    for key, value in snapshot(algorithm.teacher).items():
        assert torch.equal(value, teacher_before[key]), key
    assert all(p.grad is None for p in algorithm.teacher.parameters())
    moved = [not torch.equal(v, connectors_before[k])
             for k, v in snapshot(distiller.stage_connectors).items()]
    assert all(moved)


def test_single_teacher_distill_and_state_before_the_optimizer():
    cfg = hgd_algorithm(tiny_retinanet(18, 8, 16),
                        tiny_retinanet(50, 16, 32),
                        algorithm='SingleTeacherDistill',
                        distiller=dict(macro=dict(mode='uncertainty')))
    algorithm = build(cfg)
    keys = set(algorithm.state_dict())
    # Connector and macro parameters exist as soon as the model is built.
    assert 'distiller.stage_connectors.neck_0.projection.weight' in keys
    assert 'distiller.macro.log_vars' in keys
    losses = optimizer_steps(algorithm, steps=1)
    assert algorithm.distiller.macro.log_vars.grad is not None
    assert torch.isfinite(losses['distill.loss_hgd_neck_0'])


def test_zero_loss_when_the_aligned_student_equals_the_teacher():
    model = tiny_retinanet(18, 8, 16)
    algorithm = build(hgd_algorithm(model, copy.deepcopy(model),
                                    distiller=dict(stages='all')))
    algorithm.student.load_state_dict(algorithm.teacher.state_dict())
    # Teacher-shaped student: no projection at all (compared as they are).
    assert all(isinstance(c.projection, torch.nn.Identity)
               for c in algorithm.distiller.stage_connectors.values())
    algorithm.eval()  # same BN behaviour on both sides
    inputs, samples = demo_batch(algorithm)
    with algorithm.distiller.student_recorders, \
            algorithm.distiller.teacher_recorders:
        algorithm.student.extract_feat(inputs)
        algorithm.teacher.extract_feat(inputs)
    # extract_feat does not see the data samples: record them as the
    # algorithm does when it calls the student.
    recorder = algorithm.distiller.student_recorders.get_recorder(
        'hgd_inputs')
    recorder.reset_data_buffer()
    recorder.data_buffer.append((inputs, samples))
    losses = algorithm.distiller.compute_distill_losses()
    stage_losses = [v for k, v in losses.items() if k.startswith('loss_hgd')]
    assert len(stage_losses) == 9
    assert all(abs(v.item()) < 1e-6 for v in stage_losses), stage_losses


def test_options_are_overridable():
    algorithm = build(
        hgd_algorithm(
            tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32),
            distiller=dict(stages='neck', micro=None,
                           loss=dict(alpha=2.0, gamma=0.0),
                           macro=dict(mode='fixed',
                                      stage_weights=[1, 1, 1, 1, 0]),
                           schedule=dict(loss_weight=3.0),
                           normalization='none',
                           connector=dict(norm_cfg=dict(type='BN')))))
    distiller = algorithm.distiller
    assert [s.name for s, _ in distiller.pairs] == [f'neck.{i}' for i in
                                                    range(5)]
    assert distiller.micro is None
    assert distiller.imitation_loss.alpha == 2.0
    losses = optimizer_steps(algorithm, steps=1)
    assert losses['distill.loss_hgd_neck_4'].item() == 0.0
    assert losses['distill.hgd_weight'].item() == 3.0


def test_explicit_pairs_and_unpairable_stages():
    student = tiny_retinanet(18, 8, 16)
    student.neck.update(start_level=0, num_outs=5)  # P2..P6: stride 4 first
    teacher = tiny_retinanet(50, 16, 32)
    teacher.backbone.out_indices = (1, 2, 3)  # no stride-4 stage
    teacher.neck.in_channels = [128, 256, 512]
    with pytest.raises(ValueError, match='cannot pair') as error:
        build(hgd_algorithm(student, teacher))
    assert 'teacher:' in str(error.value)
    algorithm = build(
        hgd_algorithm(student, teacher,
                      distiller=dict(pairs=[('neck.1', 'neck.0')])))
    assert [(s.name, t.name) for s, t in algorithm.distiller.pairs] == [
        ('neck.1', 'neck.0')
    ]


def test_images_without_boxes_train():
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32)))
    inputs, samples = demo_batch(algorithm, num_items=[0, 0])
    assert all(len(s.gt_instances) == 0 for s in samples)
    losses = algorithm(inputs, samples, mode='loss')
    loss, _ = algorithm.parse_losses(losses)
    loss.backward()
    assert torch.isfinite(loss)


def test_exported_keys_stay_apart():
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32)))
    student_keys = [k for k in algorithm.state_dict()
                    if k.startswith('architecture.')]
    assert student_keys
    assert not any('connector' in k or 'macro' in k for k in student_keys)


def test_non_finite_stage_is_skipped_counted_and_fatal_after_the_limit():
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32),
                      distiller=dict(max_nonfinite=2)))

    def poison(module, inputs, output):
        return output * float('inf')

    # The third FPN output level of the teacher overflows.
    algorithm.teacher.neck.fpn_convs[2].register_forward_hook(poison)
    distiller = algorithm.distiller
    inputs, samples = demo_batch(algorithm)
    with pytest.warns(UserWarning, match='non-finite'):
        losses = algorithm(inputs, samples, mode='loss')
    assert losses['distill.loss_hgd_neck_2'].item() == 0.0
    loss, _ = algorithm.parse_losses(losses)
    loss.backward()
    assert torch.isfinite(loss)
    for param in distiller.stage_connectors.parameters():
        assert torch.isfinite(param.grad).all()
    assert distiller.nonfinite.count.item() == 1
    algorithm(inputs, samples, mode='loss')  # second: counted, no new warning
    with pytest.raises(FloatingPointError, match='max_nonfinite=2'):
        algorithm(inputs, samples, mode='loss')


def test_different_input_normalisation_warns():
    teacher = tiny_retinanet(50, 16, 32)
    teacher.data_preprocessor.update(mean=[103.53, 116.28, 123.675],
                                     std=[1.0, 1.0, 1.0], bgr_to_rgb=False)
    with pytest.warns(UserWarning, match='normalise inputs differently'):
        build(hgd_algorithm(tiny_retinanet(18, 8, 16), teacher))


@pytest.mark.parametrize('distiller,match', [
    (dict(loss=dict(attention='channel')), 'attention'),
    (dict(loss=dict(alpha=-1.0)), 'alpha'),
    (dict(macro=dict(mode='softmax')), 'mode'),
    (dict(micro=dict(mix=-1.0)), 'mix'),
    (dict(schedule=dict(loss_weight=-2.0)), 'loss_weight'),
    (dict(stages=['neck.9']), 'do not exist'),
    (dict(on_unpaired='ignore'), 'on_unpaired'),
    (dict(normalization='batch'), 'normalization'),
])
def test_impossible_options_fail_at_build_time(distiller, match):
    with pytest.raises(ValueError, match=match):
        build(hgd_algorithm(tiny_retinanet(18, 8, 16),
                            tiny_retinanet(50, 16, 32), distiller=distiller))


def test_distillation_loss_is_fp32_under_bf16_autocast():
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32)))
    inputs, samples = demo_batch(algorithm)
    with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
        losses = algorithm(inputs, samples, mode='loss')
    stage_losses = {k: v for k, v in losses.items() if 'loss_hgd' in k}
    assert all(v.dtype == torch.float32 for v in stage_losses.values())
    assert all(torch.isfinite(v) for v in stage_losses.values())


def test_crowd_boxes_are_not_imitated_as_foreground():
    # mmdet's PackDetInputs moves crowd (ignore-flagged) boxes to
    # ignored_instances; HGD reads gt_instances only.
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    from hgd_mm.models.distillers.hgd_distiller import gt_boxes_of
    sample = DetDataSample()
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[0.0, 0.0, 8.0, 8.0]]), labels=torch.tensor([0]))
    sample.ignored_instances = InstanceData(
        bboxes=torch.tensor([[10.0, 10.0, 60.0, 60.0]]),
        labels=torch.tensor([1]))
    assert gt_boxes_of([sample])[0].tolist() == [[0.0, 0.0, 8.0, 8.0]]


def test_extra_mmrazor_recorders_and_losses_run_beside_hgd():
    # As a user writes it: an L2Loss through a ConvModuleConnector on P3,
    # recorded by recorders of their own, in the HGD distiller.
    extra = dict(
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        connectors=dict(sfeat=dict(type='ConvModuleConnector', in_channel=16,
                                   out_channel=32)),
        distill_losses=dict(loss_l2_p3=dict(type='L2Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(loss_l2_p3=dict(
            s_feature=dict(from_student=True, recorder='fpn', data_idx=0,
                           connector='sfeat'),
            t_feature=dict(from_student=False, recorder='fpn',
                           data_idx=0))))
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32),
                      distiller=dict(stages='neck', **extra)))
    distiller = algorithm.distiller
    inputs, samples = demo_batch(algorithm)
    losses = algorithm(inputs, samples, mode='loss')
    assert {f'distill.loss_hgd_neck_{i}' for i in range(5)} <= set(losses)
    # The extra loss is MMRazor's L2Loss of the recorded P3 pair.
    from mmrazor.models.losses import L2Loss
    student_p3 = distiller.student_recorders.get_recorder(
        'fpn').get_record_data(0)[0]
    teacher_p3 = distiller.teacher_recorders.get_recorder(
        'fpn').get_record_data(0)[0]
    expected = L2Loss()(distiller.connectors['sfeat'](student_p3),
                        teacher_p3)
    torch.testing.assert_close(losses['distill.loss_l2_p3'], expected)
    losses['distill.loss_l2_p3'].backward()
    weight = distiller.connectors['sfeat'].conv_module.conv.weight
    assert weight.grad is not None and weight.grad.abs().sum() > 0


def test_neck_only_hgd_equals_mmrazor_pkd():
    """HGD with stages='neck', no micro weights, no attention term, fixed
    stage weights and loss_weight = K * pkd_weight / 2 is PKD's loss, level
    for level (equally wide FPNs: no projection on either side)."""
    from mmrazor.models.losses import PKDLoss
    pkd_weight = 6.0
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 32), tiny_retinanet(50, 16, 32),
                      distiller=dict(stages='neck', micro=None,
                                     loss=dict(gamma=0.0),
                                     macro=dict(mode='fixed'),
                                     schedule=dict(loss_weight=5 *
                                                   pkd_weight / 2))))
    distiller = algorithm.distiller
    assert all(isinstance(c.projection, torch.nn.Identity)
               for c in distiller.stage_connectors.values())
    inputs, samples = demo_batch(algorithm)
    losses = algorithm(inputs, samples, mode='loss')
    student = distiller.recorded_stages(distiller.student_recorders)
    teacher = distiller.recorded_stages(distiller.teacher_recorders)

    class BiasedStdPKDLoss(PKDLoss):
        """PKD with the biased std and eps inside the root, as HGD (and
        batch norm) standardise; everything else is PKD's own code."""

        def norm(self, feat):
            return F.batch_norm(feat, None, None, training=True, eps=1e-5)

    pkd = PKDLoss(loss_weight=pkd_weight)
    biased_pkd = BiasedStdPKDLoss(loss_weight=pkd_weight)
    for (s, t) in distiller.pairs:
        hgd = losses[f'distill.loss_hgd_{s.key}']
        torch.testing.assert_close(
            hgd, biased_pkd(student[s.name], teacher[t.name]), rtol=1e-5,
            atol=1e-6)
        # PKD's own std is unbiased: it differs by sqrt(n / (n - 1)),
        # n = B x H x W, visible only on the tiny grids of this test.
        if s.index == 0:
            torch.testing.assert_close(
                hgd, pkd(student[s.name], teacher[t.name]), rtol=0.01,
                atol=0)


def test_defaults_are_hgd_v3():
    """The one-line distiller: FPN levels, projection only where channels
    differ, micro weights on with half of their guided part following the
    teacher head's confidence, gap stage weights, the hands-on term showing
    each channel where its teacher channel fires, no hints or cross-head
    term."""
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 32), tiny_retinanet(50, 16, 32)))
    distiller = algorithm.distiller
    assert [s.name for s, _ in distiller.pairs] == [f'neck.{i}'
                                                    for i in range(5)]
    assert all(isinstance(c.projection, torch.nn.Identity)
               for c in distiller.stage_connectors.values())
    assert distiller.micro is not None and distiller.micro.mix == 0.5
    assert distiller.micro.teacher_share == 0.5
    assert distiller.needs_teacher_confidence
    assert distiller.hints is None and distiller.cross_head is None
    assert distiller.macro.mode == 'gap'
    assert distiller.imitation_loss.gamma == 1.0
    assert distiller.imitation_loss.attention == 'channel_distribution'
    assert distiller.imitation_loss.tau == 1.0
    assert distiller.schedule.loss_weight == 15.0
    losses = optimizer_steps(algorithm, steps=2)
    lambdas = torch.stack([losses[f'distill.lambda_hgd_neck_{i}']
                           for i in range(5)])
    assert lambdas.sum().item() == pytest.approx(1.0, rel=1e-5)


def test_default_weights_follow_the_teacher_confidence():
    """On the same batch, the default's stage losses differ from those of
    box weights alone (teacher_share=0) on every head level; and where the
    teacher's head is equally confident everywhere (zero class logits), Q is
    uniform and the default equals box weights alone with half the mix
    (1 - 0.5 mix uniform, 0.5 mix on the boxes)."""
    def stage_losses(teacher_share, mix=0.5, uniform_confidence=False):
        torch.manual_seed(0)
        algorithm = build(hgd_algorithm(
            tiny_retinanet(18, 8, 32), tiny_retinanet(50, 16, 32),
            distiller=dict(micro=dict(mix=mix, teacher_share=teacher_share),
                           macro=dict(mode='fixed'))))
        if uniform_confidence:
            classifier = algorithm.teacher.bbox_head.retina_cls
            torch.nn.init.zeros_(classifier.weight)
            torch.nn.init.zeros_(classifier.bias)
        inputs, samples = demo_batch(algorithm)
        losses = algorithm(inputs, samples, mode='loss')
        return torch.stack([losses[f'distill.loss_hgd_neck_{i}']
                            for i in range(5)]).detach()

    default = stage_losses(0.5)
    # (P7 is one cell on the test image: every weighting gives it weight 1)
    assert (default - stage_losses(0.0))[:4].abs().min() > 1e-6
    torch.testing.assert_close(stage_losses(0.5, uniform_confidence=True),
                               stage_losses(0.0, mix=0.25))


def test_a_teacher_without_a_dense_head_fails_at_build_by_default():
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 32), tiny_retinanet(50, 16, 32)))
    distiller = algorithm.distiller
    del algorithm.teacher.bbox_head
    with pytest.raises(TypeError, match=r'teacher_share=0\.0'):
        distiller.build_pairs()
    distiller.micro.teacher_share = 0.0
    distiller.build_pairs()  # box weights alone need no teacher head


def test_a_non_finite_stage_does_not_drag_its_gap_weight_down():
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32)))
    distiller = algorithm.distiller
    assert distiller.macro.mode == 'gap'
    inputs, samples = demo_batch(algorithm)
    first = algorithm(inputs, samples, mode='loss')
    means = distiller.macro.balanced_means().clone()
    handle = algorithm.teacher.neck.fpn_convs[2].register_forward_hook(
        lambda module, args, output: output * float('inf'))
    with pytest.warns(UserWarning, match='non-finite'):
        losses = algorithm(inputs, samples, mode='loss')
    handle.remove()
    assert losses['distill.loss_hgd_neck_2'].item() == 0.0
    # The poisoned level keeps its running mean (without the fix it
    # recorded the 0 and halved), and so its stage weight: the same batch
    # gives the other levels the same losses again.
    torch.testing.assert_close(distiller.macro.balanced_means(), means)
    torch.testing.assert_close(losses['distill.lambda_hgd_neck_2'],
                               first['distill.lambda_hgd_neck_2'])


@pytest.mark.parametrize('student,teacher', [
    (tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 16)),
    (tiny_faster_rcnn(18, 8, 16), tiny_faster_rcnn(50, 16, 16)),
], ids=['retinanet', 'faster_rcnn'])
def test_v3_terms_train_the_student_through_the_frozen_teacher(
        student, teacher):
    algorithm = build(hgd_algorithm(
        student, teacher, distiller=dict(
            hints=dict(type='TeacherNeckHints'),
            cross_head=dict(type='CrossHeadLoss'),
            micro=dict(teacher_share=0.5))))
    distiller = algorithm.distiller
    levels = len(distiller.teacher_levels)
    assert distiller.macro.stage_groups == (['neck'] * levels +
                                            ['hint'] * levels +
                                            ['cross_head'] * levels)
    teacher_before = snapshot(algorithm.teacher)
    losses = optimizer_steps(algorithm, steps=2)
    for group in ('hint', 'cross_head'):
        for level in range(levels):
            value = losses[f'distill.loss_hgd_{group}_{level}']
            assert torch.isfinite(value) and value.item() > 0
    # The neck group weighs as it would alone: each group normalised apart.
    neck = sum(losses[f'distill.lambda_hgd_neck_{i}'] for i in range(levels))
    assert neck.item() == pytest.approx(1.0, rel=0.2)
    for key, value in snapshot(algorithm.teacher).items():
        assert torch.equal(value, teacher_before[key]), key
    assert all(p.grad is not None
               for p in distiller.hints.parameters())
    assert all(p.grad is None for p in algorithm.teacher.parameters())


def test_review_hints_train_the_student_backbone_with_their_own_terms():
    algorithm = build(hgd_algorithm(
        tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 16),
        distiller=dict(hints=dict(type='ReviewHints'),
                       backbone_normalization='stage_std')))
    distiller = algorithm.distiller
    levels = len(distiller.teacher_levels)
    reviewed = ['backbone_1', 'backbone_2', 'backbone_3']  # C2 unread
    assert distiller.extra_terms() == [('hint', f'hint_{k}')
                                       for k in reviewed]
    assert distiller.macro.stage_groups == ['neck'] * levels + ['hint'] * 3
    teacher_before = snapshot(algorithm.teacher)
    losses = optimizer_steps(algorithm, steps=2)
    for key in reviewed:
        value = losses[f'distill.loss_hgd_hint_{key}']
        assert torch.isfinite(value) and value.item() > 0
    hint = sum(losses[f'distill.lambda_hgd_hint_{k}'] for k in reviewed)
    assert hint.item() == pytest.approx(1.0, rel=0.2)  # its own group
    assert all(p.grad is not None for p in distiller.hints.parameters())
    for key, value in snapshot(algorithm.teacher).items():
        assert torch.equal(value, teacher_before[key]), key


def test_cross_head_of_a_softmax_teacher_head_compares_categoricals():
    """RetinaHead with a softmax loss (classes + background per anchor):
    the mimicry compares each anchor's categorical, not sigmoids."""
    teacher = tiny_retinanet(50, 16, 16)
    teacher.bbox_head.loss_cls = dict(type='CrossEntropyLoss',
                                      use_sigmoid=False, loss_weight=1.0)
    algorithm = build(hgd_algorithm(
        tiny_retinanet(18, 8, 16), teacher,
        distiller=dict(cross_head=dict(type='CrossHeadLoss'),
                       micro=dict(teacher_share=0.5))))
    distiller = algorithm.distiller
    head = algorithm.teacher.bbox_head
    assert not head.use_sigmoid_cls and head.cls_out_channels == 4
    seen = []
    forward = distiller.cross_head.forward

    def spy(student_logits, teacher_logits, softmax_channels=None):
        terms = forward(student_logits, teacher_logits, softmax_channels)
        seen.append((softmax_channels, [t.item() for t in terms]))
        return terms

    distiller.cross_head.forward = spy
    losses = optimizer_steps(algorithm, steps=1)
    ((channels, terms), ) = seen
    assert channels == 4
    # the raw terms (before the stage weights): at most 1 per anchor
    anchors = head.num_base_priors
    assert len(terms) == len(distiller.teacher_levels)
    assert all(0 < t <= anchors for t in terms)
    for level in range(len(distiller.teacher_levels)):
        assert torch.isfinite(losses[f'distill.loss_hgd_cross_head_{level}'])


def test_cross_head_needs_every_teacher_level_paired():
    with pytest.raises(ValueError, match='every teacher neck level'):
        build(hgd_algorithm(
            tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 16),
            distiller=dict(stages=['neck.0', 'neck.1'],
                           cross_head=dict(type='CrossHeadLoss'))))


def test_hierarchy_distils_what_the_detector_reads_with_its_own_norm():
    algorithm = build(hgd_algorithm(
        tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32),
        distiller=dict(stages='hierarchy', backbone_normalization='stage_std',
                       micro=None, macro=dict(mode='fixed'),
                       loss=dict(gamma=0.0))))
    distiller = algorithm.distiller
    # FPN start_level=1: C2 (backbone.0) is never read, so not distilled.
    assert [s.name for s, _ in distiller.pairs] == [
        'backbone.1', 'backbone.2', 'backbone.3', 'neck.0', 'neck.1',
        'neck.2', 'neck.3', 'neck.4']
    inputs, samples = demo_batch(algorithm)
    losses = algorithm(inputs, samples, mode='loss')
    student = distiller.recorded_stages(distiller.student_recorders)
    teacher = distiller.recorded_stages(distiller.teacher_recorders)
    from hgd_mm.models.connectors import get_normalization
    for s, t in distiller.pairs:
        norm = get_normalization('stage_std' if s.source == 'backbone'
                                 else 'batch_channel_std')
        aligned = distiller.stage_connectors[s.key](student[s.name].detach(),
                                                    teacher[t.name].shape[-2:])
        expected = (norm(aligned) - norm(teacher[t.name])).pow(2).mean()
        k = 3 if s.source == 'backbone' else 5  # 1/K_g within each group
        torch.testing.assert_close(
            losses[f'distill.loss_hgd_{s.key}'].detach(), 15.0 / k * expected,
            atol=1e-5, rtol=1e-4)


def test_pairs_build_from_another_default_scope():
    # An mmdet runtime's default scope does not hold hgd_mm's types; the
    # distiller builds them in MMRazor's scope, as the algorithm is built.
    from mmengine.registry import DefaultScope
    algorithm = build(
        hgd_algorithm(tiny_retinanet(18, 8, 16), tiny_retinanet(50, 16, 32)))
    with DefaultScope.overwrite_default_scope('mmdet'):
        algorithm.distiller.build_pairs()
    assert len(algorithm.distiller.stage_connectors) == 5
