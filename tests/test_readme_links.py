"""Every relative link in README.md and in configs/**/README.md resolves to an
existing file (web links, mail links and in-page anchors are not checked)."""
import glob
import os.path as osp
import re
from typing import List, Tuple
from urllib.parse import unquote

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# [text](target "title") and ![alt](target); reference definitions [id]: target
INLINE_LINK = re.compile(
    r'!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
REFERENCE_LINK = re.compile(r'^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$',
                            re.MULTILINE)
FENCED_CODE = re.compile(r'^(```|~~~).*?^\1', re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r'`[^`\n]*`')
EXTERNAL = ('http://', 'https://', 'mailto:', 'ftp://')


def readmes() -> List[str]:
    """README.md and every README.md under configs/, relative to the repo."""
    found = [osp.join(REPO, 'README.md')]
    found += glob.glob(osp.join(REPO, 'configs', '**', 'README.md'),
                       recursive=True)
    return sorted(osp.relpath(path, REPO) for path in found
                  if osp.isfile(path))


def relative_links(markdown: str) -> List[str]:
    """Targets of the relative links of a markdown text, anchors dropped.

    Args:
        markdown: the text; links inside code are not links.
    """
    text = INLINE_CODE.sub('', FENCED_CODE.sub('', markdown))
    targets = INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)
    links = []
    for target in targets:
        if target.startswith(EXTERNAL) or target.startswith('#'):
            continue
        path = unquote(target.split('#', 1)[0].split('?', 1)[0])
        if path:
            links.append(path)
    return links


def broken_links(readme: str) -> List[Tuple[str, str]]:
    """(link, resolved path) of every relative link that resolves to nothing.

    Args:
        readme: the markdown file, relative to the repository.
    """
    path = osp.join(REPO, readme)
    with open(path, encoding='utf-8') as f:
        links = relative_links(f.read())
    broken = []
    for link in links:
        # '/x' is relative to the repository root, as on GitHub
        resolved = osp.normpath(
            osp.join(REPO, link.lstrip('/')) if link.startswith('/') else
            osp.join(osp.dirname(path), link))
        if not osp.exists(resolved):
            broken.append((link, osp.relpath(resolved, REPO)))
    return broken


def test_link_parser():
    markdown = ('[a](docs/x.md) ![b](img.png "t") [c](https://x.org/y) '
                '[d](#anchor) [e](../y.py#L3) `[f](not/a/link)`\n'
                '```\n[g](in/code)\n```\n[ref]: ./z.md\n')
    assert relative_links(markdown) == ['docs/x.md', 'img.png', '../y.py',
                                        './z.md']


@pytest.mark.parametrize('readme', readmes())
def test_relative_links_resolve(readme):
    assert broken_links(readme) == [], (
        f'{readme} links to files that do not exist')
