import os
import subprocess
import sys
import textwrap
from typing import Callable, Dict, Optional

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess]:
    """Run a snippet in a fresh interpreter (no ``import hgd_mm`` unless the
    snippet has it), with extra environment variables."""

    def run(code: str, env: Optional[Dict[str, str]] = None):
        environ = dict(os.environ)
        environ.pop('HGD_MM_COMPAT_DISABLE', None)
        environ.update(env or {})
        return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                              cwd=REPO, env=environ, capture_output=True,
                              text=True, timeout=300)

    return run
