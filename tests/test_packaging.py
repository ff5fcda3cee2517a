"""The wheel is the plugin: it holds ``hgd_mm`` and nothing of the repository's
mini setting or benchmarks (``dev/hgd_mm_dev``), and a non-editable install
of it trains a distillation config of the checkout."""
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

from helpers import MINI, REPO, SHORT

# What a checkout may hold that is not its source (a build must not see it).
NOT_SOURCE = ('.git', '.venv', 'work_dirs', 'data', 'build', 'dist',
              '*.egg-info', '__pycache__', '*.pyc')


@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> str:
    """``pip wheel .`` of a copy of the checkout (pip builds in the source
    tree: a copy keeps the checkout clean and a stale build/ out)."""
    root = tmp_path_factory.mktemp('wheel')
    source = root / 'source'
    shutil.copytree(REPO, source,
                    ignore=shutil.ignore_patterns(*NOT_SOURCE))
    result = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '-q', '-w', str(root / 'dist'),
         str(source)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = glob.glob(str(root / 'dist' / 'hgd_mm-*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_holds_the_plugin_and_no_benchmark_or_generator_code(wheel):
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        code = {name: whl.read(name).decode()
                for name in names if name.endswith('.py')}
    tops = {name.split('/')[0] for name in names}
    assert {top for top in tops if not top.endswith('.dist-info')} == \
        {'hgd_mm'}
    # Every module of the wheel is one of the checkout's hgd_mm, and back
    # (configs shipped as package data under hgd_mm/.mim are not modules).
    modules = {name for name in code if not name.startswith('hgd_mm/.mim/')}
    checkout = {
        osp.relpath(path, REPO).replace(os.sep, '/')
        for path in glob.glob(osp.join(REPO, 'hgd_mm', '**', '*.py'),
                              recursive=True)
    }
    assert modules == checkout
    for name in modules:
        text = code[name]
        for word in ('hgd_mm_dev', 'MiniDatasetParams', 'make_mini_dataset',
                     'speed_worker'):
            assert word not in text, f'{word} in {name}'
    assert not [name for name in modules
                if '/mini/' in name or '/benchmarks/' in name]


def test_non_editable_install_trains_a_distillation_config_of_the_checkout(
        wheel, teacher_ckpt, tmp_path):
    """Installed into a throwaway target, imported from there (not from the
    checkout or its editable install), run from another folder."""
    target = tmp_path / 'site'
    result = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--no-deps',
         '--no-build-isolation', '-q', '--target', str(target), wheel],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    work_dir, cwd = tmp_path / 'work', tmp_path / 'elsewhere'
    cwd.mkdir()
    argv = [
        osp.join(MINI, 'hgd_retina_r18_retina_r18-w16_mini.py'),
        '--work-dir', str(work_dir), '--cfg-options', *SHORT,
        f'model.teacher_ckpt={teacher_ckpt}'
    ]
    # tools/train.py of the checkout, as it runs from the command line, then
    # where every hgd_mm module it used came from.
    code = textwrap.dedent(f"""
        import json, runpy, sys
        tool = {osp.join(REPO, 'tools', 'train.py')!r}
        runpy.run_path(tool, run_name='train')['main']({argv!r})
        print('MODULES ' + json.dumps({{
            name: getattr(module, '__file__', None)
            for name, module in sys.modules.items()
            if name.split('.')[0] in ('hgd_mm', 'hgd_mm_dev')}}))
    """)
    env = dict(os.environ, PYTHONPATH=str(target))
    result = subprocess.run([sys.executable, '-c', code], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout[-3000:] +
                                    result.stderr[-5000:])
    line = [x for x in result.stdout.splitlines() if x.startswith('MODULES ')]
    modules = json.loads(line[-1][len('MODULES '):])
    assert 'hgd_mm.models.distillers' in modules
    assert not [name for name in modules if name.startswith('hgd_mm_dev')]
    for name, path in modules.items():
        assert path and path.startswith(str(target) + os.sep), \
            (name, path)
    assert (work_dir / 'epoch_1.pth').exists()
    logs = glob.glob(str(work_dir / '*' / '*.log'))
    with open(logs[-1]) as f:
        assert 'distill.loss_hgd_neck_0' in f.read()


def test_setup_is_set_up_again_for_cuda_ops(tmp_path, monkeypatch):
    """A venv set up for the CPU is not taken as set up for FORCE_CUDA=1
    (its mmcv's ops are CPU ones): the two have different stamps."""
    def stamp(**env):
        return subprocess.run(
            ['bash', osp.join(REPO, 'tools', 'setup_env.sh'), '--stamp'],
            env={**os.environ, 'VENV': str(tmp_path), **env},
            check=True, capture_output=True, text=True).stdout.strip()

    monkeypatch.delenv('FORCE_CUDA', raising=False)
    cpu = stamp()
    assert cpu == stamp(FORCE_CUDA='0')
    assert cpu.startswith(str(tmp_path))
    assert stamp(FORCE_CUDA='1') != cpu
    assert not os.listdir(tmp_path)  # --stamp installs nothing
