from .hgd_distiller import HGDDistiller
from .stage_terms import StageTerms, stage_terms

__all__ = ['HGDDistiller', 'StageTerms', 'stage_terms']
