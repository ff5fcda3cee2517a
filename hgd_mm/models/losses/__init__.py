from .hands_on_imitation_loss import (HandsOnImitationLoss, channel_attention,
                                      cosine_distance, spatial_attention)

__all__ = [
    'HandsOnImitationLoss', 'spatial_attention', 'channel_attention',
    'cosine_distance'
]
