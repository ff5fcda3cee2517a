"""Write the benchmark tables into README.md from docs/results/*.json
(``tools/benchmarks/update_readme.py``).

The README quotes the tables between markers
``<!-- results:NAME:start -->`` and ``<!-- results:NAME:end -->``; this
regenerates them from the JSON the benchmarks wrote, so the README always
equals the JSON (``tests/test_readme_results.py`` checks it). A section's
own headings sit one level below the README heading the markers are under.
"""
import argparse
import json
import os.path as osp
import re
from typing import Callable, Dict, Optional, Sequence

from ..mini.paths import REPO, RESULTS
from . import (accuracy_report, demo_table, precision_speed, speed_report,
               tuning, val_sampling)

__all__ = ['README', 'SECTIONS', 'render', 'main']

README = osp.join(REPO, 'README.md')
HEADING = re.compile(r'(#{1,6}) ')


#: Section name -> renderer of its JSON report.
SECTIONS: Dict[str, Callable[..., str]] = {
    'accuracy': accuracy_report.markdown,
    'tuning': tuning.report_markdown,
    'tuning_retinanet-depth': tuning.report_markdown,
    'tuning_v3': tuning.report_markdown,
    'tuning_v3_retinanet-depth': tuning.report_markdown,
    'tuning_v3-mechanisms_retinanet-depth': tuning.report_markdown,
    'tuning_v3-mechanisms': tuning.report_markdown,
    'tuning_v3-distribution_faster-rcnn-depth': tuning.report_markdown,
    'tuning_v3-distribution_retinanet-depth': tuning.report_markdown,
    'tuning_v3-distribution': tuning.report_markdown,
    'tuning_hgd_v2': tuning.report_markdown,
    'sharper': tuning.report_markdown,
    'val_sampling': val_sampling.markdown,
    'speed': speed_report.format_markdown,
    'speed_v3': speed_report.format_markdown,
    'demo': demo_table.markdown,
    'demo_fp32': demo_table.markdown,
    'precision_speed': precision_speed.markdown,
}
#: Sections with headings of their own: rendered one level below the
#: README heading they sit under (``parent_level``).
WITH_HEADINGS = ('speed', 'speed_v3')


def section(name: str, parent_level: int,
            results: Optional[str] = None) -> str:
    """One section's markdown from ``RESULTS/<name>.json``.

    Args:
        name: a key of :data:`SECTIONS`.
        parent_level: the level of the README heading the section is under.
        results: the folder of the JSON files; ``docs/results`` when None.
    """
    path = osp.join(results or RESULTS, f'{name}.json')
    if not osp.exists(path):
        return (f'Not measured yet: run the command above to write '
                f'`docs/results/{name}.json`.\n')
    with open(path) as f:
        report = json.load(f)
    if name in WITH_HEADINGS:
        return SECTIONS[name](report, parent_level=parent_level)
    return SECTIONS[name](report)


def enclosing_level(text: str, position: int) -> int:
    """The level of the last markdown heading before ``position`` (0 if
    none); ``#`` lines inside fenced code blocks are not headings."""
    level, in_code = 0, False
    for line in text[:position].splitlines():
        if line.startswith('```'):
            in_code = not in_code
            continue
        match = None if in_code else HEADING.match(line)
        if match:
            level = len(match.group(1))
    return level


def render(readme: str, results: Optional[str] = None) -> str:
    """``readme`` with every results section regenerated.

    Args:
        readme: the README's text.
        results: the folder of the JSON files; ``docs/results`` when None.
    """
    for name in SECTIONS:
        pattern = re.compile(
            rf'(<!-- results:{name}:start -->\n).*?'
            rf'(<!-- results:{name}:end -->)',
            re.S)
        match = pattern.search(readme)
        if match is None:
            continue
        # Headings are searched for outside the section: its own headings
        # are what is being rewritten.
        level = enclosing_level(readme, match.start())
        readme = (readme[:match.start()] + match.group(1) +
                  section(name, level, results) + match.group(2) +
                  readme[match.end():])
    return readme


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Rewrite README.md (or, with ``--check``, say whether it is current);
    return the exit code.

    Args:
        argv: the arguments; ``sys.argv[1:]`` when None.
    """
    parser = argparse.ArgumentParser(
        description='Write the benchmark tables into README.md from '
        'docs/results/*.json.')
    parser.add_argument('--check', action='store_true',
                        help='exit 1 if README.md is not up to date')
    args = parser.parse_args(argv)
    with open(README) as f:
        current = f.read()
    updated = render(current)
    if args.check:
        return 0 if updated == current else 1
    with open(README, 'w') as f:
        f.write(updated)
    return 0
