from .cross_head_loss import (CrossHeadLoss, bernoulli_hellinger,
                              categorical_hellinger)
from .hands_on_imitation_loss import (HandsOnImitationLoss, channel_attention,
                                      cosine_distance, spatial_attention)
from .hierarchical_context_loss import HierarchicalContextLoss

__all__ = [
    'CrossHeadLoss', 'bernoulli_hellinger', 'categorical_hellinger',
    'HandsOnImitationLoss', 'spatial_attention', 'channel_attention',
    'cosine_distance', 'HierarchicalContextLoss'
]
