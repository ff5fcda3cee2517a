"""Write the benchmark tables into README.md from docs/results/*.json.

The README quotes the tables between markers
``<!-- results:NAME:start -->`` and ``<!-- results:NAME:end -->``; this
regenerates them from the JSON the benchmarks wrote, so the README always
equals the JSON (``tests/test_readme_results.py`` checks it).

Usage: python tools/benchmarks/update_readme.py [--check]
"""
import argparse
import json
import os.path as osp
import re
import sys
from typing import Callable, Dict

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESULTS = osp.join(REPO, 'docs', 'results')
README = osp.join(REPO, 'README.md')


def accuracy_table(path: str) -> str:
    import accuracy
    with open(path) as f:
        return accuracy.markdown(json.load(f))


def speed_table(path: str) -> str:
    import speed
    with open(path) as f:
        report = json.load(f)
    return speed.format_markdown(report['setting'], report['runs'],
                                 report['micro_weights'])


def demo_table(path: str) -> str:
    import demo_table as table
    with open(path) as f:
        return table.markdown(json.load(f))


SECTIONS: Dict[str, Callable[[str], str]] = {
    'accuracy': accuracy_table,
    'speed': speed_table,
    'demo': demo_table,
}


def section(name: str) -> str:
    path = osp.join(RESULTS, f'{name}.json')
    if not osp.exists(path):
        return (f'Not measured yet: run the command above to write '
                f'`docs/results/{name}.json`.\n')
    return SECTIONS[name](path)


def render(readme: str) -> str:
    for name in SECTIONS:
        pattern = re.compile(
            rf'(<!-- results:{name}:start -->\n).*?(<!-- results:{name}:end -->)',
            re.S)
        readme = pattern.sub(
            lambda m: m.group(1) + section(name) + m.group(2), readme)
    return readme


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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


if __name__ == '__main__':
    sys.exit(main())
