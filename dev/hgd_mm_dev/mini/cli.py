"""``tools/misc/make_mini_dataset.py``: one option per
:class:`~hgd_mm_dev.mini.params.MiniDatasetParams` field, built from the fields
(name, type, default, help), so a new field is a new option."""
import argparse
from dataclasses import MISSING, fields
from typing import Optional, Sequence, get_type_hints

from .dataset import make_mini_dataset
from .params import MiniDatasetParams

__all__ = ['add_params_options', 'parse_args', 'params_of', 'main']


def add_params_options(parser: argparse.ArgumentParser) -> None:
    """``--<field-name>`` for every field of :class:`MiniDatasetParams`.

    Args:
        parser: the parser to extend.
    """
    types = get_type_hints(MiniDatasetParams)
    for spec in fields(MiniDatasetParams):
        kind = types[spec.name]
        options = dict(spec.metadata['cli'], help=spec.metadata['help'])
        default = spec.default
        assert default is not MISSING, spec.name  # every knob has a default
        if getattr(kind, '__origin__', None) is tuple:
            item, *rest = kind.__args__
            # Tuple[float, float, float] is fixed-length, Tuple[str, ...] not
            options['nargs'] = '+' if rest == [Ellipsis] else len(kind.__args__)
            options.update(type=item, default=list(default))
        else:
            options.update(type=kind, default=default)
        parser.add_argument('--' + spec.name.replace('_', '-'), **options)


def build_parser() -> argparse.ArgumentParser:
    """The parser: the output folder, the dataset knobs, run options."""
    parser = argparse.ArgumentParser(
        description='Make a deterministic synthetic COCO-format detection '
        'dataset (shapes on textured, cluttered backgrounds).')
    parser.add_argument('out_dir', help='output folder')
    add_params_options(parser)
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the images of an earlier run')
    parser.add_argument('--quiet', action='store_true', help='no summary')
    return parser


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    return build_parser().parse_args(argv)


def params_of(args: argparse.Namespace) -> MiniDatasetParams:
    """The dataset parameters the arguments give (checked).

    Args:
        args: what :func:`parse_args` returned.
    """
    return MiniDatasetParams(**{
        spec.name: getattr(args, spec.name)
        for spec in fields(MiniDatasetParams)
    })


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Make the dataset the arguments describe; return its summary dict.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        params = params_of(args)
    except ValueError as error:  # the message names the option to change
        parser.error(str(error))
    return make_mini_dataset(args.out_dir, params, overwrite=args.overwrite,
                             verbose=not args.quiet)
