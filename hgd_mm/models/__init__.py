from .connectors import HGDConnector
from .distillers import HGDDistiller
from .losses import HandsOnImitationLoss
from .weighting import DistillWeightSchedule, MacroReweighting, MicroReweighting

__all__ = [
    'HGDDistiller', 'HGDConnector', 'HandsOnImitationLoss', 'MicroReweighting',
    'MacroReweighting', 'DistillWeightSchedule'
]
