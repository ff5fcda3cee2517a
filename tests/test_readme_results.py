"""The README's result tables equal what docs/results/*.json say."""
import os.path as osp

from conftest import load_tool

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_readme_tables_equal_the_json():
    update = load_tool('benchmarks/update_readme.py')
    with open(osp.join(REPO, 'README.md')) as f:
        readme = f.read()
    for name in update.SECTIONS:
        assert f'<!-- results:{name}:start -->' in readme, name
    assert update.render(readme) == readme, (
        'README.md tables differ from docs/results/*.json: run '
        'python tools/benchmarks/update_readme.py')
