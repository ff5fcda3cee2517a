from .distill_schedule import DistillWeightSchedule
from .macro_reweighting import MacroReweighting
from .micro_reweighting import MicroReweighting, teacher_saliency

__all__ = [
    'MicroReweighting', 'MacroReweighting', 'DistillWeightSchedule',
    'teacher_saliency'
]
