#!/usr/bin/env python
"""Picture HGD's mechanism on one image: what each stage's loss sees.

Usage::

    python tools/analysis/visualize_hgd.py HGD_CONFIG [--checkpoint CKPT]
        [--teacher-ckpt CKPT] [--image PATH | --index I] [--out-dir DIR]

The distillation model is built from the config (and a distillation
checkpoint loaded, if given: it holds student, connectors and teacher; else
``--teacher-ckpt`` replaces ``model.teacher_ckpt``). One val image of the
config's data set runs through the algorithm's own ``loss`` in eval mode, and
for every stage pair the distiller's own stage terms give one PNG,
``OUT_DIR/<stage key>.png`` (e.g. ``neck_0.png``): the input with its GT
boxes, the micro weights W, A(T^), A(S^) and the imitation error
mean_c (S^ - T^)^2, with the stage's loss L_k in the title
(``hgd_mm.analysis.visualize``).

``--image PATH`` picks a val image by file name (then its GT boxes are shown);
an image outside the val set runs without boxes (all background).
"""
import argparse
import os.path as osp
from typing import List

from hgd_mm.analysis import visualize


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='an HGD distillation config')
    parser.add_argument('--checkpoint',
                        help='a checkpoint of the distillation run')
    parser.add_argument('--teacher-ckpt',
                        help='teacher checkpoint (overrides '
                        'model.teacher_ckpt; "none" for a randomly '
                        'initialised teacher)')
    which = parser.add_mutually_exclusive_group()
    which.add_argument('--image', help='an image file (a val image: its GT '
                       'boxes are drawn)')
    which.add_argument('--index', type=int, default=0,
                       help='index in the val set (default 0)')
    parser.add_argument('--out-dir', default='work_dirs/visualize_hgd')
    return parser.parse_args(argv)


def main(argv=None) -> List[str]:
    args = parse_args(argv)
    paths = visualize(args.config, args.checkpoint, args.teacher_ckpt,
                      args.image, args.index, args.out_dir)
    print(f'wrote {len(paths)} stage pictures to {args.out_dir}: ' +
          ', '.join(osp.basename(p) for p in paths))
    return paths


if __name__ == '__main__':
    main()
