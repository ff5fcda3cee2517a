from .hgd_distiller import HGDDistiller

__all__ = ['HGDDistiller']
