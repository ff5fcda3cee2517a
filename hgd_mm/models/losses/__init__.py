from .hands_on_imitation_loss import (HandsOnImitationLoss, channel_attention,
                                      spatial_attention)

__all__ = ['HandsOnImitationLoss', 'spatial_attention', 'channel_attention']
