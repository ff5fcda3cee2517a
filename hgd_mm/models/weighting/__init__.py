from .distill_schedule import DistillWeightSchedule
from .macro_reweighting import MacroReweighting
from .micro_reweighting import MicroReweighting

__all__ = ['MicroReweighting', 'MacroReweighting', 'DistillWeightSchedule']
