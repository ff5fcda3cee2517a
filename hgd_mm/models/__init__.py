from .connectors import HGDConnector
from .distillers import HGDDistiller
from .hints import ReviewHints, TeacherNeckHints
from .losses import (CrossHeadLoss, HandsOnImitationLoss,
                     HierarchicalContextLoss)
from .weighting import (DistillWeightSchedule, MacroReweighting,
                        MicroReweighting)

__all__ = [
    'HGDDistiller', 'HGDConnector', 'HandsOnImitationLoss', 'MicroReweighting',
    'MacroReweighting', 'DistillWeightSchedule', 'TeacherNeckHints',
    'CrossHeadLoss', 'ReviewHints', 'HierarchicalContextLoss'
]
