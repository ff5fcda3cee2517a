"""HGD v3's mechanisms as arms of a study, on HGD as shipped at a weight of
the sweep's: ``hgd+<mechanism>@x<multiplier>`` is the weight sweep's
``hgd@x<multiplier>`` (its reference) with one mechanism on, or one of
its defaults off (``hgd+no-micro@x0.125``: the ablations of the main pair's
``accuracy.py --ablations``, on any setting's tune split at a swept weight).

HGD v3's first candidates (:data:`.tuning.V3_CANDIDATES`) ran at the
shipped weight, 8x the weight later tuned on both RetinaNet pairs; every
group of terms scales with the total weight, so each mechanism is measured
again at the tuned one (``hgd+review@x0.125``).
"""
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from .study import Arm
from .weight_sweep import arm_name, sweep_arm

__all__ = ['Mechanism', 'MECHANISMS', 'PREFIX', 'parse_mechanism_name',
           'mechanism_arm', 'mechanism_reference']

HGD = 'model.distiller.'
#: The prefix of a mechanism arm's name.
PREFIX = 'hgd+'
#: Review-style fusion of the student's stages, compared by the
#: hierarchical context loss (the stage group ``hint``).
REVIEW = {HGD + 'hints.type': 'ReviewHints',
          HGD + 'backbone_normalization': 'stage_std'}
#: The weights of review's group tried beside the neck group's (1).
REVIEW_GROUP_WEIGHTS = (0.5, 2.0, 4.0)
#: The weights (gamma, beside the feature term's 1) of the hands-on term
#: that shows each channel where its teacher channel fires (CWD's
#: channel-wise divergence): 3 gives each FPN level about CWD's tuned
#: strength on both RetinaNet pairs at the total weight x0.125.
DISTRIBUTION_WEIGHTS = (1.0, 3.0)


@dataclass(frozen=True)
class Mechanism:
    """One of HGD's mechanisms, switched on (or a default one off) by
    options.

    Args:
        options: the ``--cfg-options`` that switch it on (or off).
        beyond_fpn: whether it guides more of the hierarchy than the FPN
            levels (HGD v3's goal: on by default, adding accuracy).
    """
    options: Dict[str, object]
    beyond_fpn: bool = True


MECHANISMS: Dict[str, Mechanism] = {
    'hierarchy': Mechanism({HGD + 'stages': 'hierarchy'}),
    'hierarchy@bb0.25': Mechanism({
        HGD + 'stages': 'hierarchy',
        HGD + 'macro.group_weights.backbone': 0.25}),
    # strong early, decaying to 0 by the end (the method's macro intent)
    'hierarchy+decay': Mechanism({
        HGD + 'stages': 'hierarchy',
        HGD + 'macro.group_schedules.backbone.decay': 'cosine'}),
    'hints': Mechanism({HGD + 'hints.type': 'TeacherNeckHints'}),
    'hints+decay': Mechanism({
        HGD + 'hints.type': 'TeacherNeckHints',
        HGD + 'macro.group_schedules.hint.decay': 'cosine'}),
    'review': Mechanism(REVIEW),
    # review's group at another weight beside the neck's (1): it added
    # +0.70 on setting a's tune split at 1 and cost -0.60 on the main pair's
    **{f'review@hint{weight:g}': Mechanism({
        **REVIEW, HGD + 'macro.group_weights.hint': weight})
       for weight in REVIEW_GROUP_WEIGHTS},
    **{f'distribution@g{gamma:g}': Mechanism({
        HGD + 'loss.gamma': gamma,
        HGD + 'loss.attention': 'channel_distribution'}, beyond_fpn=False)
       for gamma in DISTRIBUTION_WEIGHTS},
    'cross-head': Mechanism({HGD + 'cross_head.type': 'CrossHeadLoss'},
                            beyond_fpn=False),
    # HGD's defaults switched off, one at a time (configs/mini/ablations/):
    # which of them fails to travel to another detector
    'fixed-macro': Mechanism({HGD + 'macro.mode': 'fixed'}, beyond_fpn=False),
    'no-micro': Mechanism({HGD + 'micro': None}, beyond_fpn=False),
    'no-teacher-confidence': Mechanism({HGD + 'micro.teacher_share': 0.0},
                                       beyond_fpn=False),
    'no-distribution': Mechanism({HGD + 'loss.gamma': 0.0}, beyond_fpn=False),
}


def parse_mechanism_name(name: str) -> Optional[Tuple[str, float]]:
    """``'hgd+hints@x0.125'`` -> ``('hints', 0.125)``; None for another
    name (or a multiplier that is not > 0)."""
    if not name.startswith(PREFIX):
        return None
    mechanism, sep, factor = name[len(PREFIX):].rpartition('@x')
    if not sep or mechanism not in MECHANISMS:
        return None
    try:
        multiplier = float(factor)
    except ValueError:
        return None
    return (mechanism, multiplier) if multiplier > 0 else None


def mechanism_arm(name: str) -> Optional[Arm]:
    """The arm of a mechanism name (:func:`parse_mechanism_name`): the
    sweep's HGD arm at that multiplier with the mechanism's options."""
    parsed = parse_mechanism_name(name)
    if parsed is None:
        return None
    mechanism, multiplier = parsed
    reference = sweep_arm('hgd', multiplier)
    return Arm(name, reference.config,
               {**reference.options, **MECHANISMS[mechanism].options})


def mechanism_reference(name: str) -> str:
    """The sweep arm a mechanism arm is compared with: ``hgd@x0.125`` for
    ``hgd+hints@x0.125``."""
    return arm_name('hgd', parse_mechanism_name(name)[1])
