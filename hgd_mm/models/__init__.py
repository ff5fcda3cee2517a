from .connectors import HGDConnector
from .distillers import HGDDistiller
from .hints import TeacherNeckHints
from .losses import CrossHeadLoss, HandsOnImitationLoss
from .weighting import (DistillWeightSchedule, MacroReweighting,
                        MicroReweighting)

__all__ = [
    'HGDDistiller', 'HGDConnector', 'HandsOnImitationLoss', 'MicroReweighting',
    'MacroReweighting', 'DistillWeightSchedule', 'TeacherNeckHints',
    'CrossHeadLoss'
]
