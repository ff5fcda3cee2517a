"""``tools/misc/pretrain_mini_backbone.py``: pre-train the backbones of mini
detector configs (:mod:`hgd_mm_dev.mini.pretrain`) into the files their
``init_cfg`` names."""
import argparse
from dataclasses import fields
from typing import Dict, Optional, Sequence

from .params import MiniDatasetParams
from .pretrain import PretrainSettings, pretrain_configs

__all__ = ['parse_args', 'main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments: the configs and every pre-training setting.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='Pre-train the backbone of each mini detector config on '
        'object crops of the mini data (its ImageNet) and write it where the '
        "backbone's init_cfg=dict(type='Pretrained', checkpoint=...) points. "
        'Weights made from the same inputs are reused.')
    parser.add_argument('configs', nargs='+', metavar='CONFIG',
                        help='plain detector configs, e.g. '
                        'configs/mini/retinanet_r18_fpn64_mini.py')
    for spec in fields(PretrainSettings):
        parser.add_argument(
            '--' + spec.name.replace('_', '-'), type=type(spec.default),
            help=f'default {spec.default} (or what the config\'s '
            f'mini_pretrain sets); any of these flags replaces every '
            f'config\'s own settings')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    """Pre-train (or reuse) each config's backbone; return the records.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    args = parse_args(argv)
    given = {spec.name: getattr(args, spec.name)
             for spec in fields(PretrainSettings)
             if getattr(args, spec.name) is not None}
    # no flag: each config's own settings (pretrain.config_settings)
    settings = PretrainSettings(**given) if given else None
    records = pretrain_configs(args.configs, MiniDatasetParams(), settings)
    for path, record in records.items():
        took = ('reused' if record['reused'] else
                '%.0f s' % record['seconds'])
        print(f'{path}: held-out crop accuracy {record["val_accuracy"]:.3f} '
              f'({record["num_classes"]} classes), {took}')
    return records
