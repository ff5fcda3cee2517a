"""``pip wheel .`` gives a package a downstream project can use: the configs
and tools under hgd_mm/.mim (as mmdet's), model-index.yml."""
import glob
import os
import os.path as osp
import subprocess
import sys
import zipfile

from helpers import REPO


def files_under(folder: str, exts=('.py', '.yml', '.md', '.sh')) -> set:
    root = osp.join(REPO, folder)
    return {
        osp.relpath(osp.join(d, f), REPO)
        for d, _, names in os.walk(root) if '__pycache__' not in d
        for f in names if f.endswith(exts)
    }


def test_wheel_carries_configs_tools_and_model_index(tmp_path):
    result = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '-w', str(tmp_path), REPO],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    wheel, = glob.glob(str(tmp_path / 'hgd_mm-*.whl'))
    names = set(zipfile.ZipFile(wheel).namelist())
    mim = {name[len('hgd_mm/.mim/'):] for name in names
           if name.startswith('hgd_mm/.mim/')}
    assert files_under('configs') <= mim
    assert files_under('tools') <= mim
    assert 'configs/mini/_base_/mini_runtime.py' in mim
    assert 'configs/hgd/metafile.yml' in mim and 'model-index.yml' in mim
    assert 'hgd_mm/compat/hgd_mm_configs.py' in names
    assert not [n for n in names if n.startswith(('tests/', 'configs/'))]
