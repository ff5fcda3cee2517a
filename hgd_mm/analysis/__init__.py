"""Looking inside HGD: what each stage's loss sees (used by tools/analysis)."""
from .stage_maps import stage_maps
from .stage_pictures import visualize

__all__ = ['stage_maps', 'visualize']
