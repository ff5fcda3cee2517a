"""flake8 (setup.cfg's settings, as MMRazor's) finds nothing in the plugin,
the dev package, the tools, the tests and the configs."""
import subprocess
import sys

from helpers import REPO

CHECKED = ('hgd_mm', 'dev', 'tools', 'tests', 'configs')


def test_flake8_is_clean():
    result = subprocess.run(
        [sys.executable, '-m', 'flake8', *CHECKED], cwd=REPO,
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
