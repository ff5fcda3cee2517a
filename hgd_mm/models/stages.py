"""Stage discovery and correspondence establishment (pairing by stride).

A *stage* is one tensor of a detector's feature hierarchy: every output of its
backbone and every level of its neck. Stages are discovered once, when the
distiller is built, by running the backbone and neck on a blank probe image, so
that the connectors (and their channel counts) exist before the optimiser is
built, before a checkpoint is resumed and before DDP wraps the model. The
method text speaks of resolving pairs "from the shapes seen on the first
batch"; strides and channel counts do not depend on the batch, so the probe
resolves the same pairs earlier, which is what training infrastructure needs.
"""
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

SOURCES = ('backbone', 'neck')
# What to do with a student stage whose stride the teacher lacks.
UNPAIRED_POLICIES = ('error', 'skip')


@dataclass(frozen=True)
class Stage:
    """One feature map of a detector, as seen on the probe image.

    Args:
        source: ``'backbone'`` or ``'neck'``.
        index: position in that module's output tuple.
        channels: number of channels.
        stride: probe size / feature size (rounded).
        size: (H, W) on the probe image.
    """
    source: str
    index: int
    channels: int
    stride: int
    size: Tuple[int, int]

    @property
    def name(self) -> str:
        """Config name of the stage, e.g. ``'backbone.0'``."""
        return f'{self.source}.{self.index}'

    @property
    def key(self) -> str:
        """Name usable as a module/log key, e.g. ``'backbone_0'``."""
        return f'{self.source}_{self.index}'

    def describe(self) -> str:
        return (f'{self.name:<12} stride {self.stride:>3}  '
                f'{self.channels:>5} x {self.size[0]} x {self.size[1]}')


def as_feature_tuple(output) -> Tuple[torch.Tensor, ...]:
    """Backbones and necks return a tensor, a tuple or a list of tensors."""
    if isinstance(output, torch.Tensor):
        return (output, )
    return tuple(output)


def has_neck(detector: nn.Module) -> bool:
    return getattr(detector, 'neck', None) is not None


def stage_sources(stages: Sequence[Stage]) -> List[str]:
    """The modules (of ``SOURCES``) the stages come from, in that order."""
    present = {stage.source for stage in stages}
    return [source for source in SOURCES if source in present]


def probe_stages(detector: nn.Module,
                 probe_size: Tuple[int, int] = (256, 256)) -> List[Stage]:
    """Run backbone (+ neck) on a blank image and describe every output.

    The detector is put in eval mode for the probe (no BatchNorm statistics
    are updated) and restored afterwards; no gradient is recorded.
    """
    if getattr(detector, 'backbone', None) is None:
        raise TypeError(
            f'{type(detector).__name__} has no `backbone`: HGDDistiller '
            f'distils detectors built from a backbone (and usually a neck).')
    param = next(detector.parameters(), None)
    device = param.device if param is not None else torch.device('cpu')
    height, width = probe_size
    probe = torch.zeros(1, 3, height, width, device=device)
    was_training = detector.training
    detector.eval()
    try:
        with torch.no_grad():
            outputs = {'backbone': as_feature_tuple(detector.backbone(probe))}
            if has_neck(detector):
                outputs['neck'] = as_feature_tuple(
                    detector.neck(outputs['backbone']))
    finally:
        detector.train(was_training)
    stages = []
    for source, features in outputs.items():
        for index, feature in enumerate(features):
            if feature.dim() != 4:
                raise ValueError(
                    f'{source}.{index} of {type(detector).__name__} has shape '
                    f'{tuple(feature.shape)}; HGD distils 4-D feature maps '
                    f'(B, C, H, W).')
            size = tuple(feature.shape[-2:])
            stride = max(1, round(height / size[0]))
            stages.append(Stage(source, index, feature.shape[1], stride, size))
    return stages


def format_hierarchy(title: str, stages: Sequence[Stage]) -> str:
    lines = [f'  {title}:'] + [f'    {s.describe()}' for s in stages]
    return '\n'.join(lines)


def select_stages(stages: List[Stage],
                  selection: Union[str, Sequence[str]]) -> List[Stage]:
    """``'all'``, ``'backbone'``, ``'neck'`` or a list of stage names."""
    if isinstance(selection, str):
        if selection == 'all':
            return list(stages)
        if selection in SOURCES:
            chosen = [s for s in stages if s.source == selection]
            if not chosen:
                raise ValueError(
                    f"stages='{selection}' selects nothing: this model has no "
                    f'{selection} outputs.\n'
                    f"{format_hierarchy('stages', stages)}")
            return chosen
        raise ValueError(
            f"stages={selection!r}: use 'all', 'hierarchy', 'backbone', "
            f"'neck' or a list of stage names such as ['backbone.1', "
            f"'neck.0'].")
    by_name = {s.name: s for s in stages}
    unknown = [name for name in selection if name not in by_name]
    if unknown:
        raise ValueError(
            f'stages names {unknown} do not exist in the student. Use names '
            f'from this list:\n{format_hierarchy("student", stages)}')
    return [by_name[name] for name in selection]


def pair_stages(
        student: List[Stage],
        teacher: List[Stage],
        pairs: Optional[Sequence[Sequence[str]]] = None,
        on_unpaired: str = 'error') -> List[Tuple[Stage, Stage]]:
    """Pair each student stage with the teacher stage of the same stride.

    A teacher stage from the same source (backbone with backbone, neck with
    neck) is preferred; the other source is the fallback, so a student P2
    level can learn from a teacher C2 when the teacher's FPN starts at P3.
    Such a pair across sources is made with a warning that names it (a
    neck level and a backbone stage are different kinds of features);
    ``pairs`` (a list of ``(student_name, teacher_name)``) overrides the
    pairing and states the choice, without a warning.

    Args:
        student: the student stages to distil.
        teacher: every teacher stage.
        pairs: explicit pairs by stage name, e.g. ``[('neck.0', 'neck.1')]``.
        on_unpaired: ``'error'`` (default) or ``'skip'`` for student stages
            whose stride the teacher does not have; any value but
            ``'skip'`` errors (the distiller checks the option when built).
    """
    shapes = (f"{format_hierarchy('student', student)}\n"
              f"{format_hierarchy('teacher', teacher)}")
    if pairs is not None:
        s_by_name: Dict[str, Stage] = {s.name: s for s in student}
        t_by_name: Dict[str, Stage] = {t.name: t for t in teacher}
        result = []
        for pair in pairs:
            if len(pair) != 2:
                raise ValueError(f'pairs entry {pair!r}: give (student stage, '
                                 f'teacher stage) names.')
            s_name, t_name = pair
            if s_name not in s_by_name or t_name not in t_by_name:
                raise ValueError(
                    f'pairs entry ({s_name!r}, {t_name!r}) names a stage '
                    f'that does not exist. Available stages:\n{shapes}')
            result.append((s_by_name[s_name], t_by_name[t_name]))
        students = [s.name for s, _ in result]
        if len(set(students)) != len(students):
            raise ValueError(f'pairs {list(pairs)}: each student stage may be '
                             f'paired once.')
        return result

    result = []
    unpaired = []
    for stage in student:
        same_stride = [t for t in teacher if t.stride == stage.stride]
        same_source = [t for t in same_stride if t.source == stage.source]
        candidates = same_source or same_stride
        if candidates:
            result.append((stage, candidates[0]))
        else:
            unpaired.append(stage)
    if unpaired and on_unpaired != 'skip':
        names = ', '.join(f'{s.name} (stride {s.stride})' for s in unpaired)
        raise ValueError(
            f'HGD cannot pair student stage(s) {names}: the teacher has no '
            f'stage of that stride.\n{shapes}\nFix: choose stages the '
            f'teacher can match (stages=[...]), give explicit '
            f"pairs=[(student, teacher), ...], or set on_unpaired='skip'.")
    if not result:
        raise ValueError(f'HGD found no stage pairs.\n{shapes}')
    across = [f'{s.name} -> {t.name}' for s, t in result
              if s.source != t.source]
    if across:
        warnings.warn(
            f'HGD paired stages of different sources by stride alone: '
            f'{", ".join(across)} (the teacher has no stage of that stride '
            f'in the same source).\n{shapes}\nIf that is meant, state it '
            f'with pairs=[(student, teacher), ...]; otherwise choose the '
            f'stages to distil (stages=[...]).')
    return result
