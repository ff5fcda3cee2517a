"""The HGD distiller: all stages, paired, aligned, re-weighted, imitated."""
import copy
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModel
from torch import nn

from mmrazor.models.distillers import ConfigurableDistiller
from mmrazor.models.task_modules import RecorderManager
from mmrazor.registry import MODELS
from ..connectors import get_normalization
from ..losses import spatial_attention
from ..stages import (Stage, has_neck, pair_stages, probe_stages,
                      select_stages)

INPUTS = 'hgd_inputs'


def component_cfg(cfg: Optional[dict],
                  default_type: str,
                  defaults: Optional[dict] = None,
                  **extra) -> dict:
    """A component config: ``type`` defaulting to ``default_type``, the keys
    of ``defaults`` where ``cfg`` does not set them, ``extra`` always."""
    return dict(dict(type=default_type, **(defaults or {})), **(cfg or {}),
                **extra)


def input_normalization(model: nn.Module) -> Optional[Tuple]:
    """(mean, std, channel order) of a detector's data preprocessor."""
    preprocessor = getattr(model, 'data_preprocessor', None)
    if preprocessor is None or not hasattr(preprocessor, 'mean'):
        return None
    return (preprocessor.mean.flatten().tolist(),
            preprocessor.std.flatten().tolist(),
            bool(getattr(preprocessor, '_channel_conversion', False)))


def gt_boxes_of(data_samples) -> List[torch.Tensor]:
    """Per-image (N, 4) xyxy ground-truth boxes of mmdet ``DetDataSample``s."""
    boxes = []
    for sample in data_samples:
        bboxes = sample.gt_instances.bboxes
        boxes.append(getattr(bboxes, 'tensor', bboxes).reshape(-1, 4))
    return boxes


@MODELS.register_module()
class HGDDistiller(ConfigurableDistiller):
    """Hands-on Guidance Distillation (Qin et al., ICME 2021), as this project
    formulates it (``shared/HGD_METHOD.md``; see the README).

    With no arguments it distils every stage (every backbone output and every
    neck level) of any mmdet detector pair that has a backbone: stages are
    discovered on a probe image when the algorithm is built, paired by stride,
    connected by :class:`HGDConnector` with the right channel counts, and the
    ground-truth boxes are read from the student's inputs. No recorder needs
    to be configured. Per step, for every pair k::

        S^, T^ = norm(connector_k(S_k)), norm(T_k)
        W      = micro(gt boxes, A(T^))                  # per position
        L_k    = HandsOnImitationLoss(S^, T^, W)
        loss   = w(t) * macro([L_1..L_K])                 # per stage, logged

    Logged per stage ``s``: ``loss_hgd_<s>`` (its weighted share of the loss,
    back-propagated) and ``lambda_hgd_<s>`` (its macro weight); and
    ``hgd_weight``, the schedule's w(t).

    Args:
        stages: ``'all'`` (default), ``'backbone'``, ``'neck'`` or a list of
            student stage names such as ``['backbone.1', 'neck.0']``.
        pairs: explicit ``[(student_stage, teacher_stage), ...]`` by name;
            overrides stride pairing.
        on_unpaired: ``'error'`` (default) or ``'skip'`` for student stages
            whose stride the teacher lacks.
        probe_size: (H, W) of the blank probe image used to discover stages.
            Must be divisible by the largest stride. Defaults to (256, 256).
        connector: connector config; channel counts are filled in.
            ``dict(type='HGDConnector', norm_cfg=None)`` by default, with a
            bias only when ``normalization='none'``.
        normalization: consistency normalisation of both sides,
            ``'batch_channel_std'`` (default; per channel over B x H x W, as
            PKD), ``'channel_std'`` (per image and channel over H x W) or
            ``'none'``.
        loss: imitation loss config (``HandsOnImitationLoss``). Defaults to
            ``dict(gamma=0.0)``: the attention term is off unless asked for.
        micro: micro re-weighting config (``MicroReweighting``, e.g.
            ``dict()``), or None (default) to weight positions uniformly.
        macro: macro re-weighting config (``MacroReweighting``), without
            ``num_stages``. Defaults to ``dict(mode='fixed')``: every stage
            weighs 1/K; ``mode='balanced'`` or ``'uncertainty'`` on request.
        schedule: total-weight schedule config (``DistillWeightSchedule``).
            Defaults to ``dict(loss_weight=15.0)``, constant.

    Defaults: every mechanism stays in the code and in
    config, but the defaults are what measured best on the embedded mini
    setting, selected on a held-out split (see the README): at
    ``loss_weight=15`` with fixed 1/K stage weights the total strength equals
    MMRazor's PKD recipe (5 FPN levels x loss_weight 6 x MSE/2 = 15 x the mean
    stage MSE). There, all stages with standardisation over the batch reached
    8.5 mAP (plain student 5.6); adding the micro weights gave 6.1, adding the
    attention term 6.6, and the former defaults (per-image standardisation,
    balanced stage weights, loss_weight 1, both terms on) 6.5. Nothing was
    measured on COCO or VOC.
        max_nonfinite: how many non-finite stage losses are skipped (each
            counted, the first with a warning) before training stops with an
            error. Defaults to 100.
        student_recorders / teacher_recorders / distill_losses /
            loss_forward_mappings / connectors: extra MMRazor-style recorders
            and losses, computed alongside HGD as ``ConfigurableDistiller``
            would.
    """

    def __init__(self,
                 stages: Union[str, Sequence[str]] = 'all',
                 pairs: Optional[Sequence[Sequence[str]]] = None,
                 on_unpaired: str = 'error',
                 probe_size: Sequence[int] = (256, 256),
                 connector: Optional[dict] = None,
                 normalization: Optional[str] = 'batch_channel_std',
                 loss: Optional[dict] = None,
                 micro: Optional[dict] = None,
                 macro: Optional[dict] = None,
                 schedule: Optional[dict] = None,
                 max_nonfinite: int = 100,
                 student_recorders: Optional[Dict[str, Dict]] = None,
                 teacher_recorders: Optional[Dict[str, Dict]] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if max_nonfinite < 0:
            raise ValueError(f'HGDDistiller: max_nonfinite={max_nonfinite} '
                             f'must be >= 0.')
        if on_unpaired not in ('error', 'skip'):
            raise ValueError(f"HGDDistiller: on_unpaired={on_unpaired!r}: use "
                             f"'error' or 'skip'.")
        self.stage_selection = stages
        self.explicit_pairs = pairs
        self.on_unpaired = on_unpaired
        self.probe_size = tuple(probe_size)
        self.normalize = get_normalization(normalization)
        # Per-channel standardisation cancels a connector bias (see
        # HGDConnector): leave it out unless the config asks for it.
        self.connector_cfg = component_cfg(
            connector, 'HGDConnector',
            defaults=dict(bias=normalization in (None, 'none')))
        # Defaults measured on the mini setting (class docstring, Defaults).
        self.imitation_loss = MODELS.build(
            component_cfg(loss, 'HandsOnImitationLoss',
                          defaults=dict(gamma=0.0)))
        self.micro = (MODELS.build(component_cfg(micro, 'MicroReweighting'))
                      if micro is not None else None)
        self.macro_cfg = component_cfg(macro, 'MacroReweighting',
                                       defaults=dict(mode='fixed'))
        self.schedule = MODELS.build(
            component_cfg(schedule, 'DistillWeightSchedule',
                          defaults=dict(loss_weight=15.0)))
        self.max_nonfinite = max_nonfinite
        self.register_buffer('nonfinite_count',
                             torch.zeros((), dtype=torch.long))
        self.extra_student_recorders = student_recorders or {}
        self.extra_teacher_recorders = teacher_recorders or {}
        self.student_stages: Optional[List[Stage]] = None
        self.teacher_stages: Optional[List[Stage]] = None
        self.pairs: List[Tuple[Stage, Stage]] = []
        self.stage_connectors = nn.ModuleDict()
        self.macro: Optional[nn.Module] = None

    # --- building: stages, pairs, connectors, recorders -------------------

    @staticmethod
    def stage_recorders(model: nn.Module) -> Dict[str, dict]:
        recorders = dict(
            hgd_backbone=dict(type='ModuleOutputs', source='backbone'))
        if has_neck(model):
            recorders['hgd_neck'] = dict(type='ModuleOutputs', source='neck')
        return recorders

    def prepare_from_student(self, model: BaseModel) -> None:
        """Discover the student's stages; record them and the batch."""
        self.student_stages = probe_stages(model, self.probe_size)
        self.student_normalization = input_normalization(model)
        recorders = self.stage_recorders(model)
        # The student is called as student(batch_inputs, data_samples, mode):
        # its root's positional inputs carry the ground truth.
        recorders[INPUTS] = dict(type='ModuleInputs', source='')
        recorders.update(copy.deepcopy(self.extra_student_recorders))
        self.student_recorders = RecorderManager(recorders)
        self.student_recorders.initialize(model)
        self.build_pairs()

    def prepare_from_teacher(self, model: nn.Module) -> None:
        """Discover the teacher's stages and record them."""
        self.teacher_stages = probe_stages(model, self.probe_size)
        self.warn_on_normalization_mismatch(input_normalization(model))
        recorders = self.stage_recorders(model)
        recorders.update(copy.deepcopy(self.extra_teacher_recorders))
        self.teacher_recorders = RecorderManager(recorders)
        self.teacher_recorders.initialize(model)
        self.build_pairs()

    def warn_on_normalization_mismatch(self, teacher: Optional[Tuple]) -> None:
        """The teacher sees the batch as the *student's* data preprocessor
        made it; a teacher trained with another normalisation sees skewed
        inputs."""
        student = getattr(self, 'student_normalization', None)
        if student is None or teacher is None or student == teacher:
            return
        warnings.warn(
            f'HGD: teacher and student normalise inputs differently (mean, '
            f'std, bgr_to_rgb): student {student}, teacher {teacher}. The '
            f'teacher is fed the student\'s batch, so it sees inputs it was '
            f'not trained on. Give both the same data_preprocessor (the '
            f'teacher\'s, if it is pretrained).')

    def build_pairs(self) -> None:
        """Pair stages and build connectors and macro weights, once both
        models are known: at algorithm build time, before the optimiser is
        built, a checkpoint is resumed or DDP wraps the model."""
        if self.student_stages is None or self.teacher_stages is None:
            return
        selected = select_stages(self.student_stages, self.stage_selection)
        self.pairs = pair_stages(selected, self.teacher_stages,
                                 self.explicit_pairs, self.on_unpaired)
        self.stage_connectors = nn.ModuleDict({
            student.key: MODELS.build(
                component_cfg(self.connector_cfg, 'HGDConnector',
                              student_channels=student.channels,
                              teacher_channels=teacher.channels))
            for student, teacher in self.pairs
        })
        self.macro = MODELS.build(
            component_cfg(self.macro_cfg, 'MacroReweighting',
                          num_stages=len(self.pairs)))

    # --- one training step -------------------------------------------------

    @staticmethod
    def recorded_stages(recorders: RecorderManager) -> Dict[str, torch.Tensor]:
        features = {}
        for source in ('backbone', 'neck'):
            name = f'hgd_{source}'
            if name in recorders.recorders:
                outputs = recorders.get_recorder(name).get_record_data(0)
                if isinstance(outputs, torch.Tensor):
                    outputs = (outputs, )
                for index, feature in enumerate(outputs):
                    features[f'{source}.{index}'] = feature
        return features

    def stage_loss(self, student: torch.Tensor, teacher: torch.Tensor,
                   connector: nn.Module, gt_boxes: List[torch.Tensor],
                   input_size: Sequence[int]) -> torch.Tensor:
        """L_k for one pair, in fp32 whatever the autocast context."""
        with torch.autocast(device_type=student.device.type, enabled=False):
            aligned = connector(student.float(), teacher.shape[-2:])
            student_hat = self.normalize(aligned)
            weights = None
            with torch.no_grad():  # the teacher side is a constant target
                teacher_hat = self.normalize(teacher.detach().float())
                if self.micro is not None:
                    attention = spatial_attention(teacher_hat,
                                                  self.imitation_loss.tau)
                    weights = self.micro(gt_boxes, input_size, attention)
            return self.imitation_loss(student_hat, teacher_hat, weights)

    def guard_nonfinite(self, stage_losses: List[torch.Tensor]) -> torch.Tensor:
        """Replace non-finite stage losses by a zero that keeps every
        connector in the graph (DDP), count them, stop after too many."""
        losses = torch.stack(stage_losses)
        finite = torch.isfinite(losses)
        if bool(finite.all()):
            return losses
        bad = [s.name for (s, _), ok in zip(self.pairs, finite.tolist())
               if not ok]
        self.nonfinite_count += len(bad)
        count = int(self.nonfinite_count)
        if count > self.max_nonfinite:
            raise FloatingPointError(
                f'HGD: {count} non-finite stage losses so far (latest at '
                f'{bad}), more than max_nonfinite={self.max_nonfinite}. The '
                f'features are diverging: lower the learning rate or the '
                f'distillation loss_weight, or check the teacher checkpoint.')
        if count == len(bad):
            warnings.warn(f'HGD: non-finite imitation loss at {bad}; that '
                          f'stage is skipped for this step (counted in '
                          f'nonfinite_count, fatal after {self.max_nonfinite}).')
        kept = []
        for (student, _), loss, ok in zip(self.pairs, stage_losses,
                                          finite.tolist()):
            if ok:
                kept.append(loss)
            else:
                connector = self.stage_connectors[student.key]
                kept.append(sum(p.sum() for p in connector.parameters()) * 0)
        return torch.stack(kept)

    def compute_distill_losses(self) -> Dict[str, torch.Tensor]:
        losses = super().compute_distill_losses()  # extra configured losses
        if not self.pairs:
            raise RuntimeError('HGDDistiller was not prepared: build it '
                               'through an MMRazor distillation algorithm '
                               '(e.g. FpnTeacherDistill).')
        inputs = self.student_recorders.get_recorder(INPUTS)
        batch_inputs = inputs.get_record_data(0, 0)
        gt_boxes = gt_boxes_of(inputs.get_record_data(0, 1))
        input_size = tuple(batch_inputs.shape[-2:])
        student_features = self.recorded_stages(self.student_recorders)
        teacher_features = self.recorded_stages(self.teacher_recorders)
        stage_losses = [
            self.stage_loss(student_features[s.name],
                            teacher_features[t.name],
                            self.stage_connectors[s.key], gt_boxes,
                            input_size) for s, t in self.pairs
        ]
        weighted, lambdas = self.macro(self.guard_nonfinite(stage_losses))
        weight = self.schedule()
        for (student, _), term, stage_lambda in zip(self.pairs, weighted,
                                                     lambdas):
            losses[f'loss_hgd_{student.key}'] = weight * term
            losses[f'lambda_hgd_{student.key}'] = stage_lambda
        losses['hgd_weight'] = torch.tensor(weight)
        return losses
