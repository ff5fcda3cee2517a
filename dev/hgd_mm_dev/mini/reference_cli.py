"""``tools/misc/save_mini_reference.py``: save a teacher and pre-trained
backbones this machine made as the reference weights every later session
restores (:mod:`.reference`)."""
import argparse
import os.path as osp
from typing import Optional, Sequence

from .reference import reference_root, save_pretrained, save_teacher

__all__ = ['main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--teacher', metavar='WORK_DIR',
        help='a cached teacher\'s work dir (teacher.pth and teacher.json, '
        'e.g. work_dirs/demo/teacher)')
    parser.add_argument(
        '--name', help='the teacher\'s file name in the reference folder, '
        'e.g. teacher_retinanet-quarter-width')
    parser.add_argument(
        '--pretrained', nargs='+', default=[], metavar='FILE',
        help='pre-trained backbones (work_dirs/mini_pretrained/*.pth)')
    parser.add_argument('--root', help=f'the reference folder (default '
                        f'{osp.relpath(reference_root())})')
    args = parser.parse_args(argv)
    if bool(args.teacher) != bool(args.name):
        parser.error('--teacher and --name go together')
    if not args.teacher and not args.pretrained:
        parser.error('nothing to save: give --teacher/--name or '
                     '--pretrained')
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    entries = []
    if args.teacher:
        entries.append(save_teacher(args.teacher, args.name, args.root))
    entries += [save_pretrained(path, args.root) for path in args.pretrained]
    for entry in entries:
        print(f'[reference] saved {entry["kind"]} {entry["file"]} '
              f'(sha256 {entry["sha256"][:16]}...)')
