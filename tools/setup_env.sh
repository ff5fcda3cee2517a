#!/usr/bin/env bash
# Create .venv (if missing) and install the pinned OpenMMLab stack into it.
#
# Idempotent: a stamp file records the requirement set; a second run with the same
# set installs nothing. Works on a fresh machine: mmcv 2.1.0 has no wheel for
# torch 2.13 on the index, so pip builds it from source (about 10 minutes on 2
# cores) unless a prebuilt wheel folder is found (../shared/wheels, or whatever
# PIP_FIND_LINKS already names). That folder is a cache, never a requirement.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$here/.venv}
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3

force_cuda=${FORCE_CUDA:-0}
# The stamp names the requirement set and whether mmcv's ops are CUDA ones: a
# venv set up for the CPU is set up again (mmcv rebuilt) with FORCE_CUDA=1.
stamp_key=$( (cat "$here/tools/setup_env.sh" "$here/setup.py" "$here/dev/setup.py" \
  "$here/requirements/"*.txt; echo "FORCE_CUDA=$force_cuda") | sha256sum | cut -c1-16)
stamp=$venv/.hgd_mm_env_$stamp_key
if [ "${1:-}" = "--stamp" ]; then  # where the stamp of this set-up is
  echo "$stamp"
  exit 0
fi
if [ -f "$stamp" ]; then
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "[setup] creating $venv"
  "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check)

# A local wheel cache, if this machine has one (CI and dev machines do); its
# mmcv is a CPU build, so not with FORCE_CUDA=1.
if [ -d "$here/../shared/wheels" ] && [ "$force_cuda" = 0 ]; then
  export PIP_FIND_LINKS="$(cd "$here/../shared/wheels" && pwd)${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}"
  echo "[setup] using local wheels from $PIP_FIND_LINKS"
fi

# Every install below keeps setuptools in [77.0.3, 81): torch needs >= 77.0.3
# and pip would otherwise upgrade it to a release without pkg_resources.
export PIP_CONSTRAINT="$here/requirements/constraints.txt"

echo "[setup] build tools (setuptools<81: mmcv's build and mmengine import pkg_resources)"
"${pip[@]}" install -q setuptools wheel ninja

echo "[setup] torch (CPU build; see README for CUDA)"
"${pip[@]}" install -q -r "$here/requirements/torch.txt"

echo "[setup] mmcv 2.1.0 with ops (builds from source when no wheel is found: ~10 min)"
if [ "$force_cuda" = 0 ]; then
  MMCV_WITH_OPS=1 FORCE_CUDA=0 "${pip[@]}" install --no-build-isolation \
    -r "$here/requirements/mmcv.txt"
else
  # Rebuilt even where an mmcv 2.1.0 is installed, never from pip's cache of
  # a CPU build.
  MMCV_WITH_OPS=1 FORCE_CUDA=1 "${pip[@]}" install --no-build-isolation \
    --no-cache-dir --force-reinstall --no-deps -r "$here/requirements/mmcv.txt"
  "$venv/bin/python" -c "import sys, mmcv.ops; v = mmcv.ops.get_compiling_cuda_version(); print('[setup] mmcv ops compiled with CUDA', v); sys.exit(v == 'not available')" || {
    echo "[setup] FORCE_CUDA=1: mmcv's ops were compiled without CUDA; install the CUDA build of torch into $venv and put nvcc of its CUDA version on PATH (README, Installation)" >&2
    exit 1
  }
fi

echo "[setup] mmengine, mmdet, mmrazor and the rest"
"${pip[@]}" install -q -r "$here/requirements/runtime.txt" -r "$here/requirements/tests.txt"

echo "[setup] hgd_mm (editable) and the repository's dev package hgd_mm_dev (dev/, editable)"
"${pip[@]}" install -q --no-build-isolation --no-deps -e "$here"
"${pip[@]}" install -q --no-build-isolation --no-deps -e "$here/dev"

"$venv/bin/python" -c "import hgd_mm, hgd_mm_dev.mini.paths, mmcv.ops, mmrazor.models, mmdet; print('[setup] ok: mmcv', mmcv.__version__, 'mmdet', mmdet.__version__)"
rm -f "$venv"/.hgd_mm_env_*
touch "$stamp"
