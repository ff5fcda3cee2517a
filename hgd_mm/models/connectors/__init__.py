from .consistency import get_normalization, standardize_channels
from .hgd_connector import HGDConnector

__all__ = ['HGDConnector', 'get_normalization', 'standardize_channels']
