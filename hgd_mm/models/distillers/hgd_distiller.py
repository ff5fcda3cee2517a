"""The HGD distiller: recorded stages -> pairs -> terms -> weights -> loss.

The pieces it routes through have modules of their own: stage discovery and
pairing (``..stages``), one pair's terms (:mod:`.stage_terms`), the batch
(:mod:`.batch_inputs`), the input-normalisation probe
(:mod:`.preprocessor_probe`) and the non-finite guard
(:mod:`.nonfinite_guard`).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from torch import nn

from mmrazor.models.distillers import ConfigurableDistiller
from mmrazor.models.task_modules import RecorderManager
from mmrazor.registry import MODELS, TASK_UTILS
from ..connectors import get_normalization
from ..stages import (SOURCES, UNPAIRED_POLICIES, Stage, pair_stages,
                      probe_stages, select_stages, stage_sources)
from ..hints import neck_input_slots
from ..teacher_head import (confidence_maps, dense_class_logits, dense_head_of,
                            softmax_channels)
from .batch_inputs import INPUTS, INPUTS_RECORDER, gt_boxes_of, recorded_batch
from .nonfinite_guard import NonFiniteGuard
from .preprocessor_probe import normalized_probe, warn_on_mismatch
from .stage_terms import StageTerms, stage_terms

__all__ = ['HGDDistiller', 'component_cfg']

#: ``micro``'s default: MicroReweighting with its own defaults (never
#: mutated: component_cfg copies it).
DEFAULT_MICRO: dict = {}


def component_cfg(cfg: Optional[dict],
                  default_type: str,
                  defaults: Optional[dict] = None) -> dict:
    """A component config: ``type`` defaulting to ``default_type`` and the
    keys of ``defaults`` where ``cfg`` does not set them."""
    return dict(dict(type=default_type, **(defaults or {})), **(cfg or {}))


def add_stage_recorders(manager: RecorderManager,
                        stages: Sequence[Stage]) -> None:
    """Add a ``ModuleOutputs`` recorder of each stage module (``backbone``,
    ``neck``) to ``manager``, beside the recorders it was built with."""
    for source in stage_sources(stages):
        manager.recorders[f'hgd_{source}'] = TASK_UTILS.build(
            dict(type='ModuleOutputsRecorder', source=source))


@MODELS.register_module()
class HGDDistiller(ConfigurableDistiller):
    """Hands-on Guidance Distillation (Qin et al., ICME 2021), as this project
    formulates it in ``docs/method.md``.

    With no arguments it distils every neck level of any mmdet detector
    pair (``stages='all'`` adds every backbone output): stages are discovered
    on a probe image when the algorithm is built, paired by stride,
    connected by :class:`HGDConnector` where their channel counts differ, and
    the ground-truth boxes are read from the student's inputs. No recorder
    needs to be configured. Per step, for every pair k (:func:`stage_terms`)::

        S~, T  = connector_k(S_k), T_k                  # raw, aligned
        S^, T^ = norm(S~), norm(T)                      # consistency
        W      = micro(gt boxes[, teacher confidence])  # per position, sum 1
        L_k    = HandsOnImitationLoss(S^, T^, W[, S~, T])
        loss   = w(t) * macro([L_1..L_K])                # per stage, logged

    Logged per stage ``s``: ``loss_hgd_<s>`` (its weighted share of the loss,
    back-propagated) and ``lambda_hgd_<s>`` (its macro weight); and
    ``hgd_weight``, the schedule's w(t).

    The defaults (HGD v3: FPN levels, standardisation over the batch, micro
    weights mixing the plain mean with guided weights, half of the guided
    part from the boxes and half from the teacher head's confidence, ``gap``
    stage weights, the hands-on term showing each channel where its teacher
    channel fires, no backbone stages or hints) are what measured best on
    the embedded mini setting's tuning splits (two RetinaNet pairs and a
    Faster R-CNN pair); the README ("Tuning split") has the studies,
    including the mechanisms that did not help (backbone stages, hints and
    cross-head mimicry in every formulation tried, HGD v2's spatial
    attention term). ``loss_weight=15`` is the total strength of MMRazor's
    COCO PKD recipe (5 FPN levels x loss_weight 6 x PKDLoss's 1/2), kept for
    COCO and VOC, where nothing was tuned; on the mini setting 15/8 scored
    best (README, "Tuning split").
    Every mechanism stays available in config.

    Args:
        stages: ``'neck'`` (default), ``'hierarchy'`` (the backbone stages
            the neck reads and every neck level), ``'all'``, ``'backbone'``
            or a list of student stage names such as ``['backbone.1',
            'neck.0']``.
        pairs: explicit ``[(student_stage, teacher_stage), ...]`` by name;
            overrides stride pairing.
        on_unpaired: ``'error'`` (default) or ``'skip'`` for student stages
            whose stride the teacher lacks.
        probe_size: (H, W) of the blank probe image used to discover stages.
            Must be divisible by the largest stride. Defaults to (256, 256).
        connector: connector config; channel counts are filled in.
            ``dict(type='HGDConnector', norm_cfg=None)`` by default: a 1x1
            projection only where the channel counts differ
            (``project=True`` projects everywhere), with a bias only when
            ``normalization='none'``.
        backbone_normalization: the consistency normalisation of backbone
            stages; None (default): ``normalization``. ``'stage_std'``
            keeps each channel's share of the teacher's variance.
        normalization: consistency normalisation of both sides,
            ``'batch_channel_std'`` (default; per channel over B x H x W, as
            PKD), ``'channel_std'`` (per image and channel over H x W) or
            ``'none'``.
        loss: imitation loss config (``HandsOnImitationLoss``). Defaults to
            its own defaults: the feature term and the hands-on term (each
            raw channel's spatial distribution, ``gamma=1``, ``tau=1``).
        micro: micro re-weighting config (``MicroReweighting``); defaults to
            ``dict()`` (its own defaults: mix 0.5, fg_share 0.5, size_power
            0.5, uniform background, teacher_share 0.5, which runs the
            teacher's dense head on its neck levels); None weighs positions
            uniformly.
        macro: macro re-weighting config (``MacroReweighting``), without
            ``num_stages`` and ``stage_groups``. Defaults to
            ``dict(mode='gap')``: stage weights 1/K scaled by how far the
            student still is from each stage; ``'fixed'``, ``'balanced'``
            or ``'uncertainty'`` on request.
        schedule: total-weight schedule config (``DistillWeightSchedule``).
            Defaults to ``dict(loss_weight=15.0)``, constant.
        hints: guidance of the backbone hierarchy beyond the stage pairs
            (HGD v3, stage group ``'hint'``), either
            ``dict(type='TeacherNeckHints')`` (function-consistent: the
            student's backbone stages, bridged, through the teacher's frozen
            neck, compared at every teacher neck level) or
            ``dict(type='ReviewHints')`` (review-style: the student's stages
            fused top-down, compared with the teacher's stages by the
            hierarchical context loss). Defaults to None (off).
        cross_head: cross-head mimicry (HGD v3), e.g.
            ``dict(type='CrossHeadLoss')``: the student's aligned neck
            levels through the teacher's dense head, compared with the
            teacher head's own output (stage group ``'cross_head'``).
            Needs every teacher neck level paired. Defaults to None (off).
        max_nonfinite: how many non-finite stage losses are skipped (each
            counted, the first with a warning) before training stops with an
            error. Defaults to 100.
        student_recorders / teacher_recorders / distill_losses /
            loss_forward_mappings / connectors: extra MMRazor-style recorders
            and losses, computed alongside HGD as ``ConfigurableDistiller``
            would.
    """

    def __init__(self,
                 stages: Union[str, Sequence[str]] = 'neck',
                 pairs: Optional[Sequence[Sequence[str]]] = None,
                 on_unpaired: str = 'error',
                 probe_size: Sequence[int] = (256, 256),
                 connector: Optional[dict] = None,
                 normalization: Optional[str] = 'batch_channel_std',
                 backbone_normalization: Optional[str] = None,
                 loss: Optional[dict] = None,
                 micro: Optional[dict] = DEFAULT_MICRO,
                 macro: Optional[dict] = None,
                 schedule: Optional[dict] = None,
                 hints: Optional[dict] = None,
                 cross_head: Optional[dict] = None,
                 max_nonfinite: int = 100,
                 student_recorders: Optional[Dict[str, Dict]] = None,
                 teacher_recorders: Optional[Dict[str, Dict]] = None,
                 **kwargs) -> None:
        # The parent builds the recorder managers (the batch recorder and
        # any extra ones) and checks loss_forward_mappings against them;
        # prepare_from_student/teacher add the stage recorders once the
        # models' stages are known.
        super().__init__(
            student_recorders={INPUTS: INPUTS_RECORDER,
                               **(student_recorders or {})},
            teacher_recorders=teacher_recorders, **kwargs)
        if on_unpaired not in UNPAIRED_POLICIES:
            raise ValueError(f'HGDDistiller: on_unpaired={on_unpaired!r}: use '
                             f'one of {UNPAIRED_POLICIES}.')
        self.stage_selection = stages
        self.explicit_pairs = pairs
        self.on_unpaired = on_unpaired
        self.probe_size = tuple(probe_size)
        self.normalize = get_normalization(normalization)
        self.normalize_backbone = (
            get_normalization(backbone_normalization)
            if backbone_normalization is not None else self.normalize)
        # Per-channel standardisation cancels a connector bias (see
        # HGDConnector): leave it out unless the config asks for it.
        self.connector_cfg = component_cfg(
            connector, 'HGDConnector',
            defaults=dict(bias=normalization in (None, 'none')))
        self.imitation_loss = MODELS.build(
            component_cfg(loss, 'HandsOnImitationLoss'))
        self.micro = (MODELS.build(component_cfg(micro, 'MicroReweighting'))
                      if micro is not None else None)
        self.macro_cfg = component_cfg(macro, 'MacroReweighting',
                                       defaults=dict(mode='gap'))
        self.schedule = MODELS.build(
            component_cfg(schedule, 'DistillWeightSchedule',
                          defaults=dict(loss_weight=15.0)))
        self.hints_cfg = hints
        self.hints: Optional[nn.Module] = None
        self.cross_head = (MODELS.build(cross_head)
                           if cross_head is not None else None)
        self.nonfinite = NonFiniteGuard(max_nonfinite)
        # The teacher, for its neck (hints) and head (confidence, cross
        # head); in a tuple, so that it is not registered a second time.
        self.teacher_model: Tuple[nn.Module, ...] = ()
        self.student_model: Tuple[nn.Module, ...] = ()
        self.student_stages: Optional[List[Stage]] = None
        self.teacher_stages: Optional[List[Stage]] = None
        self.student_probe: Optional[torch.Tensor] = None
        self.teacher_probe: Optional[torch.Tensor] = None
        self.pairs: List[Tuple[Stage, Stage]] = []
        self.stage_connectors = nn.ModuleDict()
        self.macro: Optional[nn.Module] = None

    # --- building: each side records its stages; the pairs come once both
    # --- are known (algorithms prepare the student or the teacher first).

    def prepare_from_student(self, model: BaseModel) -> None:
        """Discover the student's stages and record them and the batch."""
        self.student_stages = probe_stages(model, self.probe_size)
        add_stage_recorders(self.student_recorders, self.student_stages)
        super().prepare_from_student(model)
        self.student_probe = normalized_probe(model)
        self.student_model = (model, )
        if self.teacher_stages is not None:
            self.build_pairs()

    def prepare_from_teacher(self, model: nn.Module) -> None:
        """Discover the teacher's stages and record them."""
        self.teacher_stages = probe_stages(model, self.probe_size)
        add_stage_recorders(self.teacher_recorders, self.teacher_stages)
        super().prepare_from_teacher(model)
        self.teacher_probe = normalized_probe(model)
        self.teacher_model = (model, )
        if self.student_stages is not None:
            self.build_pairs()

    def build_pairs(self) -> None:
        """Pair stages and build connectors and macro weights, once both
        models are known: at algorithm build time, before the optimiser is
        built, a checkpoint is resumed or DDP wraps the model."""
        # In MMRazor's scope, as the algorithm is built: a caller in another
        # default scope (an mmdet runtime) would not find hgd_mm's types.
        with DefaultScope.overwrite_default_scope('mmrazor'):
            self._build_pairs()

    def _build_pairs(self) -> None:
        warn_on_mismatch(self.student_probe, self.teacher_probe)
        selected = select_stages(self.student_stages, self.read_stages())
        self.pairs = pair_stages(selected, self.teacher_stages,
                                 self.explicit_pairs, self.on_unpaired)
        self.stage_connectors = nn.ModuleDict({
            student.key: MODELS.build(
                dict(self.connector_cfg,
                     student_channels=student.channels,
                     teacher_channels=teacher.channels))
            for student, teacher in self.pairs
        })
        teacher = self.teacher_model[0] if self.teacher_model else None
        if self.hints_cfg is not None:
            backbone = [t for t in self.teacher_stages
                        if t.source == 'backbone']
            self.hints = MODELS.build(dict(
                self.hints_cfg,
                student_stages=[s for s in self.student_stages
                                if s.source == 'backbone'],
                teacher_stages=backbone,
                slots=neck_input_slots(teacher.neck, len(backbone))))
        if self.cross_head is not None or self.needs_teacher_confidence:
            # a clear error now if there is none, or it is neither sigmoid
            # nor softmax
            softmax_channels(dense_head_of(teacher))
        if self.cross_head is not None:
            self.head_pairs()  # likewise if a head level is unpaired
        groups = [student.source for student, _ in self.pairs]
        groups += [group for group, _ in self.extra_terms()]
        self.macro = MODELS.build(
            dict(self.macro_cfg, num_stages=len(groups), stage_groups=groups))

    @property
    def needs_teacher_confidence(self) -> bool:
        """Whether the micro weights follow the teacher head's confidence
        (``teacher_share > 0``, the default)."""
        return self.micro is not None and self.micro.needs_confidence

    def read_stages(self) -> Union[str, Sequence[str]]:
        """``stages='hierarchy'``: the backbone stages the student's neck
        reads and every neck level (a stage the detector never reads, C2
        under an FPN with ``start_level=1``, is not distilled); any other
        selection as given."""
        if self.stage_selection != 'hierarchy':
            return self.stage_selection
        backbone = [s for s in self.student_stages if s.source == 'backbone']
        neck = getattr(self.student_model[0], 'neck', None)
        slots = (neck_input_slots(neck, len(backbone))
                 if neck is not None else range(len(backbone)))
        return ([backbone[i].name for i in slots] +
                [s.name for s in self.student_stages if s.source == 'neck'])

    @property
    def teacher_levels(self) -> List[Stage]:
        return [t for t in self.teacher_stages if t.source == 'neck']

    def extra_terms(self) -> List[Tuple[str, str]]:
        """(group, log key) of the terms beyond the stage pairs, when
        switched on: the hint module's terms (one per teacher neck level for
        ``TeacherNeckHints``, per reviewed backbone stage for
        ``ReviewHints``) and a cross-head term per teacher neck level."""
        terms = []
        if self.hints is not None:
            terms += [('hint', f'hint_{key}')
                      for key in self.hints.term_keys(self.teacher_levels)]
        if self.cross_head is not None:
            terms += [('cross_head', f'cross_head_{t.index}')
                      for t in self.teacher_levels]
        return terms

    def head_pairs(self) -> List[int]:
        """For each teacher neck level, in order, the index in
        ``self.pairs`` of the student stage paired with it (the teacher's
        head needs all its levels)."""
        index = {t.name: i for i, (_, t) in enumerate(self.pairs)}
        missing = [t.name for t in self.teacher_levels if t.name not in index]
        if missing:
            raise ValueError(
                f'HGDDistiller(cross_head=...) runs the teacher head on the '
                f'student\'s levels and needs every teacher neck level '
                f'paired; {missing} are not. Distil the neck levels '
                f"(stages='neck' or 'all').")
        return [index[t.name] for t in self.teacher_levels]

    # --- one training step -------------------------------------------------

    @staticmethod
    def recorded_stages(recorders: RecorderManager) -> Dict[str, torch.Tensor]:
        """Stage name -> feature map, as the stage recorders hold them."""
        features = {}
        for source in SOURCES:
            name = f'hgd_{source}'
            if name not in recorders.recorders:
                continue
            outputs = recorders.get_recorder(name).get_record_data(0)
            if isinstance(outputs, torch.Tensor):
                outputs = (outputs, )
            for index, feature in enumerate(outputs):
                features[f'{source}.{index}'] = feature
        return features

    def teacher_head_logits(
            self, teacher: Dict[str, torch.Tensor]) -> List[torch.Tensor]:
        """The teacher head's class logits on its own neck levels."""
        head = dense_head_of(self.teacher_model[0])
        with torch.no_grad(), torch.autocast(
                device_type=teacher['neck.0'].device.type, enabled=False):
            return dense_class_logits(
                head, [teacher[t.name].float() for t in self.teacher_levels])

    def recorded_stage_terms(
        self,
        teacher_logits: Optional[List[torch.Tensor]] = None
    ) -> List[StageTerms]:
        """Every pair's :class:`StageTerms`, in ``self.pairs`` order, from
        what the recorders hold (the features and inputs of the last step).

        Args:
            teacher_logits: the teacher head's class logits per neck level
                (:meth:`teacher_head_logits`), for micro weights that
                follow the teacher's confidence; computed here when needed
                and not given.
        """
        if not self.pairs:
            raise RuntimeError('HGDDistiller was not prepared: build it '
                               'through an MMRazor distillation algorithm '
                               '(e.g. FpnTeacherDistill).')
        batch_inputs, data_samples = recorded_batch(self.student_recorders)
        # Only the micro weights read the boxes.
        gt_boxes = (gt_boxes_of(data_samples)
                    if self.micro is not None else [])
        input_size = tuple(batch_inputs.shape[-2:])
        student_features = self.recorded_stages(self.student_recorders)
        teacher_features = self.recorded_stages(self.teacher_recorders)
        confidence: Dict[str, torch.Tensor] = {}
        if self.needs_teacher_confidence:
            if teacher_logits is None:
                teacher_logits = self.teacher_head_logits(teacher_features)
            maps = confidence_maps(teacher_logits,
                                   dense_head_of(self.teacher_model[0]))
            confidence = dict(zip([t.name for t in self.teacher_levels], maps))
        return [
            stage_terms(student_features[s.name], teacher_features[t.name],
                        self.stage_connectors[s.key],
                        self.normalize_backbone
                        if s.source == 'backbone' else self.normalize,
                        self.imitation_loss, self.micro, gt_boxes,
                        input_size, confidence.get(t.name))
            for s, t in self.pairs
        ]

    def extra_losses(self, terms: List[StageTerms],
                     teacher_logits: Optional[List[torch.Tensor]]
                     ) -> List[torch.Tensor]:
        """The hint and cross-head terms of :meth:`extra_terms`, in order."""
        losses: List[torch.Tensor] = []
        if self.hints is not None:
            losses += self.hints(
                self.recorded_stages(self.student_recorders),
                self.recorded_stages(self.teacher_recorders),
                self.teacher_model[0].neck,
                self.normalize_backbone
                if self.hints.compares == 'backbone' else self.normalize,
                len(self.teacher_levels))
        if self.cross_head is not None:
            aligned = [terms[i].student_raw for i in self.head_pairs()]
            head = dense_head_of(self.teacher_model[0])
            with torch.autocast(device_type=aligned[0].device.type,
                                enabled=False):
                student_logits = dense_class_logits(head, aligned)
            losses += self.cross_head(student_logits, teacher_logits,
                                      softmax_channels(head))
        return losses

    def term_modules(self) -> List[nn.Module]:
        """Per term, the trainable module that must stay in the graph when
        the term is skipped (DDP): the pair's connector, the hint bridges,
        the connector of the cross-head level's pair."""
        modules = [self.stage_connectors[s.key] for s, _ in self.pairs]
        if self.hints is not None:
            modules += [self.hints] * len(
                self.hints.term_keys(self.teacher_levels))
        if self.cross_head is not None:
            modules += [modules[i] for i in self.head_pairs()]
        return modules

    def compute_distill_losses(self) -> Dict[str, torch.Tensor]:
        losses = super().compute_distill_losses()  # extra configured losses
        needs_head = (self.cross_head is not None or
                      self.needs_teacher_confidence)
        teacher_logits = (self.teacher_head_logits(
            self.recorded_stages(self.teacher_recorders))
                          if needs_head else None)
        terms = self.recorded_stage_terms(teacher_logits)
        keys = [student.key for student, _ in self.pairs]
        keys += [key for _, key in self.extra_terms()]
        stage_losses, finite = self.nonfinite(
            [t.loss for t in terms] + self.extra_losses(terms, teacher_logits),
            keys, self.term_modules())
        weighted, lambdas = self.macro(stage_losses, finite)
        weight = self.schedule()
        for key, term, stage_lambda in zip(keys, weighted, lambdas):
            losses[f'loss_hgd_{key}'] = weight * term
            losses[f'lambda_hgd_{key}'] = stage_lambda
        losses['hgd_weight'] = torch.tensor(weight)
        return losses
