"""Where the time of one distillation training step goes, by part.

:func:`profile_step` runs a step function under ``torch.profiler`` with the
parts of a ``FpnTeacherDistill`` step marked by ``record_function`` ranges
(set on the model's instances for the duration of the profile only: the
package code carries no profiling hooks). A part's forward time is the time
spent inside its range, less any part nested in it; its backward time is
that of the autograd nodes its forward ops created (matched by the
profiler's ``sequence_nr``: a node is the last forward op's with its number),
so the backward of a connector counts as the
connector's, not as "backward". What is left of the backward (gradient
accumulation, the engine itself) stays under ``backward (rest)``.

The profiler adds a few microseconds per operator, so the absolute times are
somewhat above an unprofiled step's; the shares are what to read.
"""
from contextlib import ExitStack, contextmanager
from typing import Callable, Dict, Iterator, List, Optional

import torch
from torch.profiler import ProfilerActivity, profile, record_function

__all__ = ['PARTS', 'profile_step', 'mark_parts']

MARK = 'step_part::'
STEP = 'step'
BACKWARD = 'backward (rest)'
OTHER = 'other (train_step glue)'
#: The parts in the order of a step, as they appear in the report.
PARTS = (
    'data preprocessing',
    'teacher forward',
    'student forward + detection loss',
    'distillation: connectors',
    'distillation: standardisation',
    'distillation: loss',
    'distillation: micro weights',
    'distillation: rest (recorders, casts, stage weights, log values)',
    'loss sum (parse_losses)',
    BACKWARD,
    'optimiser step (clip, AdamW, zero_grad)',
    OTHER,
)


@contextmanager
def marked(owner: object, attribute: str, part: str) -> Iterator[None]:
    """``owner.attribute`` (a callable) runs inside a ``part`` range; the
    instance attribute is removed again on exit."""
    original = getattr(owner, attribute)
    had_own = attribute in vars(owner)

    def run_marked(*args, **kwargs):
        with record_function(MARK + part):
            return original(*args, **kwargs)

    setattr(owner, attribute, run_marked)
    try:
        yield
    finally:
        if had_own:
            setattr(owner, attribute, original)
        else:
            delattr(owner, attribute)


@contextmanager
def mark_parts(model: torch.nn.Module, optim_wrapper) -> Iterator[None]:
    """Mark the parts of ``FpnTeacherDistill.train_step`` (see
    :data:`PARTS`) on ``model`` and ``optim_wrapper`` while inside."""
    distiller = model.distiller
    targets = [
        (model.data_preprocessor, 'forward', PARTS[0]),
        (model.teacher, 'extract_feat', PARTS[1]),
        (model.student, 'forward', PARTS[2]),
        (distiller, 'compute_distill_losses', PARTS[7]),
        (model, 'parse_losses', PARTS[8]),
        (optim_wrapper, 'backward', BACKWARD),
        (optim_wrapper, 'step', PARTS[10]),
        (optim_wrapper, 'zero_grad', PARTS[10]),
    ]
    # HGD's own components, and those MMRazor's ConfigurableDistiller runs.
    connectors = list(getattr(distiller, 'stage_connectors', {}).values())
    connectors += list(getattr(distiller, 'connectors', {}).values())
    targets += [(c, 'forward', PARTS[3]) for c in connectors]
    if hasattr(distiller, 'normalize'):
        targets.append((distiller, 'normalize', PARTS[4]))
    losses = list(getattr(distiller, 'distill_losses', {}).values())
    if hasattr(distiller, 'imitation_loss'):
        losses.append(distiller.imitation_loss)
    targets += [(loss, 'forward', PARTS[5]) for loss in losses]
    if getattr(distiller, 'micro', None) is not None:
        targets.append((distiller.micro, 'forward', PARTS[6]))
    with ExitStack() as stack:
        for owner, attribute, part in targets:
            stack.enter_context(marked(owner, attribute, part))
        yield


def part_of(event) -> Optional[str]:
    """The innermost marked part around a profiler event, if any."""
    while event is not None:
        if event.name.startswith(MARK):
            return event.name[len(MARK):]
        event = event.cpu_parent
    return None


def nested_part_time(event) -> float:
    """Time (us) of the outermost marked ranges strictly inside ``event``."""
    total = 0.0
    for child in event.cpu_children:
        if child.name.startswith(MARK):
            total += child.cpu_time_total
        else:
            total += nested_part_time(child)
    return total


def attribute_times(events) -> Dict[str, Dict[str, float]]:
    """Forward and backward microseconds per part over all ``events``."""
    times = {part: {'forward': 0.0, 'backward': 0.0}
             for part in PARTS + (STEP, )}
    forward_part: Dict[int, str] = {}
    backward_nodes = []
    for event in events:
        if event.name.startswith(MARK):
            part = event.name[len(MARK):]
            times[part]['forward'] += (event.cpu_time_total -
                                       nested_part_time(event))
        elif event.name.startswith('autograd::engine::evaluate_function'):
            backward_nodes.append(event)
        elif event.sequence_nr >= 0:
            # An op that creates no autograd node (a view of a tensor that
            # needs no gradient) still carries the number the next node will
            # take; the events come in time order, so the last forward op
            # with a number is the one that created its node.
            part = part_of(event)
            if part is not None and part != BACKWARD:
                forward_part[event.sequence_nr] = part
    for node in backward_nodes:
        part = forward_part.get(node.sequence_nr)
        if part is None or part_of(node) != BACKWARD:
            continue  # gradient accumulation and the like stay in backward
        times[part]['backward'] += node.cpu_time_total
        times[BACKWARD]['forward'] -= node.cpu_time_total
    # The backward range's remaining time is its own, not a forward's.
    times[BACKWARD]['backward'] = times[BACKWARD].pop('forward')
    times[BACKWARD]['forward'] = 0.0
    step = times.pop(STEP)
    times[OTHER]['forward'] = step['forward']
    return times


def profile_step(step: Callable[[], None], model: torch.nn.Module,
                 optim_wrapper, steps: int) -> List[dict]:
    """Profile ``steps`` calls of ``step`` (one ``model.train_step``).

    Args:
        step: runs one training step of ``model`` with ``optim_wrapper``.
        model: a ``FpnTeacherDistill`` (teacher, student, distiller).
        optim_wrapper: the wrapper ``step`` uses.
        steps: profiled steps; the times are per step.

    Returns:
        One row per part of :data:`PARTS` that took any time: ``part``,
        ``forward_ms``, ``backward_ms``, ``total_ms`` (per step) and
        ``share`` of the profiled step.
    """
    with mark_parts(model, optim_wrapper), profile(
            activities=[ProfilerActivity.CPU]) as profiler:
        for _ in range(steps):
            with record_function(MARK + STEP):
                step()
    times = attribute_times(profiler.events())
    total = sum(t['forward'] + t['backward'] for t in times.values())
    rows = []
    for part in PARTS:
        forward, backward = times[part]['forward'], times[part]['backward']
        if forward + backward <= 0:
            continue
        rows.append({
            'part': part,
            'forward_ms': forward / steps / 1e3,
            'backward_ms': backward / steps / 1e3,
            'total_ms': (forward + backward) / steps / 1e3,
            'share': (forward + backward) / total,
        })
    return rows
