"""Training runs on the mini setting, shared by ``make demo`` and the
benchmarks.

Each training run goes through ``tools/train.py`` in a subprocess (exactly
what a user runs), with its mmengine progress lines passed through; metrics
and timings are read back from the run's own mmengine logs. The backbones
are pre-trained once (:mod:`hgd_mm_dev.mini.pretrain`) and the teacher trained
once, each cached under a key of everything it depends on.
"""
import glob
import hashlib
import json
import os
import re
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import fields
from typing import Any, Callable, Dict, Iterable, List, Optional

from hgd_mm.training_logs import read_scalars
from .dataset import make_mini_dataset
from .params import MiniDatasetParams
from .paths import REPO, TEACHER_CFG, TEST_TOOL, TRAIN_TOOL
from .pretrain import PRETRAIN_THREADS, PretrainSettings, pretrain_configs
from .reference import restore, weights_digest

__all__ = [
    'METRICS', 'QUICK_DATA', 'QUICK_OPTIONS', 'QUICK_PRETRAIN',
    'SHARED_THREADS', 'intra_op_threads',
    'ensure_mini_data', 'ensure_pretrained_backbones', 'train', 'evaluate',
    'teacher_run', 'read_run', 'complexity', 'distill_options'
]

METRICS = ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_s', 'bbox_mAP_m',
           'bbox_mAP_l')
#: ``--quick`` runs (for the tests): a tiny set ...
QUICK_DATA = dict(num_train=16, num_val=8, num_tune=8)
#: ... tiny pre-training ...
QUICK_PRETRAIN = dict(num_images=16, num_val_images=4, epochs=1)
#: ... and one short epoch; a few iterations score below mmdet's 0.05
#: threshold, so every box is kept. The precision is the configs' own
#: (hgd_mm.engine.precision: bf16 only where it is faster than fp32, so
#: other CPUs run them in fp32).
QUICK_OPTIONS = {'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1,
                 'train_dataloader.batch_size': 4,
                 'model.test_cfg.score_thr': 0.0}


#: Intra-op threads of what every run of a study shares, the pre-trained
#: backbones and the teacher, whatever the machine's cores or the caller's
#: OMP_NUM_THREADS: oneDNN splits its reductions by thread, so another
#: count trains another model from the same inputs (seen: the main pair's
#: teacher from the same data and backbones scored 45.2 val mAP at 1
#: thread, 46.4 at 2), and a cache keyed by its inputs would hold
#: different models on different machines. Changing it changes what the
#: keys stand for: bump ``pretrain.PRETRAIN_VERSION`` with it.
SHARED_THREADS = PRETRAIN_THREADS


def intra_op_threads(threads: Optional[int] = None) -> int:
    """The intra-op thread count a run gets: ``threads``, else what
    OMP_NUM_THREADS says, else torch's default here (one per core)."""
    if threads:
        return threads
    if os.environ.get('OMP_NUM_THREADS', '').isdigit():
        return int(os.environ['OMP_NUM_THREADS'])
    import torch
    return torch.get_num_threads()


def recorded_value(meta: dict, name: str) -> Any:
    """A parameter as ``meta.json`` records it (top level or ``params``)."""
    return meta.get(name, meta.get('params', {}).get(name))


def ensure_mini_data(root: str, **overrides: Any) -> str:
    """Make the mini dataset at ``root`` unless one made with the same
    parameters (the defaults, with ``overrides``) is there.

    Args:
        root: the dataset folder.
        overrides: :class:`MiniDatasetParams` fields that differ from the
            defaults.
    """
    params = MiniDatasetParams(**overrides)
    meta_file = osp.join(root, 'meta.json')
    if osp.exists(meta_file):
        with open(meta_file) as f:
            meta = json.load(f)
        wanted = {spec.name: getattr(params, spec.name)
                  for spec in fields(params)
                  if spec.name not in ('jpeg_quality', )}
        if all(recorded_value(meta, name) == (
                list(value) if isinstance(value, tuple) else value)
               for name, value in wanted.items()):
            return root
    make_mini_dataset(root, params, overwrite=True)
    return root


def file_digest(paths: Iterable[str]) -> str:
    """A short sha256 of the files' contents, in order."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, 'rb') as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


def train(config: str,
          work_dir: str,
          options: Optional[Dict[str, object]] = None,
          label: str = '',
          data_root: Optional[str] = None,
          quiet: bool = False,
          threads: Optional[int] = None,
          env: Optional[Dict[str, str]] = None) -> dict:
    """Train through tools/train.py; return metrics and timing of the run.

    Args:
        config: the config file.
        work_dir: the run's work dir.
        options: ``--cfg-options`` as a dict.
        label: the run's name in progress lines and errors.
        data_root: the mini dataset (``HGD_MINI_DATA``); the configs'
            default when None.
        quiet: do not pass the progress lines through.
        threads: caps torch's intra-op threads (OMP_NUM_THREADS), for
            running several trainings side by side without oversubscribing
            the cores.
        env: more environment variables of the run (e.g.
            ``HGD_MINI_EVAL_SPLIT``).
    """
    os.makedirs(work_dir, exist_ok=True)
    args = [sys.executable, TRAIN_TOOL, config, '--work-dir', work_dir]
    if options:
        args += ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]
    start = time.time()
    process = subprocess.Popen(args, cwd=REPO,
                               env=run_env(data_root, threads, env),
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    tail: List[str] = []
    for line in process.stdout:
        tail = (tail + [line])[-60:]
        if not quiet and ('Epoch(' in line or 'Error' in line):
            print(f'  [{label}] {line.rstrip()[line.find("Epoch("):]}'
                  if 'Epoch(' in line else f'  [{label}] {line.rstrip()}',
                  flush=True)
    if process.wait() != 0:
        raise RuntimeError(f'training {label or config} failed:\n' +
                           ''.join(tail))
    result = read_run(work_dir)
    result['wall_s'] = time.time() - start
    if 'bbox_mAP' not in result:
        raise RuntimeError(
            f'{label or config}: the run logged no COCO metrics (CocoMetric '
            f'found no predictions above test_cfg.score_thr?). See the logs '
            f'in {work_dir}.')
    return result


def run_env(data_root: Optional[str], threads: Optional[int],
            extra: Optional[Dict[str, str]]) -> Dict[str, str]:
    """The environment of a training or test subprocess."""
    env = dict(os.environ)
    if data_root:
        env['HGD_MINI_DATA'] = data_root.rstrip('/') + '/'
    env.setdefault('PYTHONWARNINGS', 'ignore')
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    env.update(extra or {})
    return env


def evaluate(config: str,
             checkpoint: str,
             work_dir: str,
             data_root: Optional[str] = None,
             env: Optional[Dict[str, str]] = None,
             options: Optional[Dict[str, object]] = None) -> Dict[str, float]:
    """Evaluate a checkpoint through tools/test.py; return its COCO
    metrics in %.

    Args:
        config: the config file.
        checkpoint: the checkpoint to evaluate.
        work_dir: the test's work dir.
        data_root: the mini dataset; the configs' default when None.
        env: more environment variables (e.g. ``HGD_MINI_EVAL_SPLIT``).
        options: ``--cfg-options`` as a dict.
    """
    args = [sys.executable, TEST_TOOL, config, checkpoint, '--work-dir',
            work_dir]
    if options:
        args += ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]
    result = subprocess.run(
        args, cwd=REPO, env=run_env(data_root, None, env),
        capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f'testing {checkpoint} failed:\n' +
                           result.stdout[-3000:] + result.stderr[-3000:])
    metrics = {}
    for key in METRICS:
        match = re.search(rf'coco/{key}: (-?[0-9.]+)', result.stdout)
        if match is None:
            raise RuntimeError(f'tools/test.py logged no coco/{key} for '
                               f'{checkpoint}:\n{result.stdout[-3000:]}')
        metrics[key] = float(match.group(1)) * 100
    return metrics


def ensure_pretrained_backbones(configs: Iterable[str], root: str,
                                quick: bool = False,
                                make: bool = True) -> Dict[str, dict]:
    """Pre-train (or reuse, or restore from the reference weights,
    :mod:`.reference`) the backbones of ``configs`` under ``root``.

    Sets ``HGD_MINI_PRETRAINED`` for this process and the runs it starts,
    so that every config reads its backbone from ``root``.

    Args:
        configs: plain detector configs whose backbones are pre-trained.
        root: the folder of the pre-trained backbones.
        quick: tiny pre-training (:data:`QUICK_PRETRAIN`), for the tests.
        make: False: only their cache keys, nothing made.
    """
    os.environ['HGD_MINI_PRETRAINED'] = root.rstrip('/') + '/'
    # each config's own settings (its mini_pretrain), or the tiny ones
    settings = PretrainSettings(**QUICK_PRETRAIN) if quick else None
    return pretrain_configs(list(configs), MiniDatasetParams(), settings,
                            make=make)


def teacher_key(teacher_cfg: str, data_root: str, options: dict,
                pretrained: Optional[Dict[str, dict]]) -> str:
    """What a cached teacher depends on: what its resolved config trains
    (:func:`hgd_mm_dev.benchmarks.provenance.arm_key`: a comment or a
    logging interval changes nothing), the data, the options and the
    pre-trained backbones."""
    from ..benchmarks.provenance import arm_key
    return (arm_key(teacher_cfg, options) +
            file_digest([osp.join(data_root, 'meta.json')]) +
            json.dumps(options, sort_keys=True) + ''.join(
                sorted(r['key'] for r in (pretrained or {}).values())))


def teacher_run(work_root: str,
                data_root: str,
                options: dict,
                pretrained: Optional[Dict[str, dict]] = None,
                teacher_cfg: str = TEACHER_CFG,
                name: str = 'teacher',
                before_training: Callable[[], Any] = lambda: None) -> dict:
    """Train a mini teacher into ``work_root/name``, or reuse it when the
    teacher config, the data and the options are unchanged, or restore it
    from the reference weights (:mod:`.reference`) saved under its key.
    The record's ``weights_sha256`` names the model itself.

    Args:
        work_root: holds the teacher's work dir and its cache.
        data_root: the mini dataset.
        options: ``--cfg-options`` of the teacher run.
        pretrained: the pre-trained backbones' records or keys
            (:func:`ensure_pretrained_backbones`); their keys are part of
            the teacher's.
        teacher_cfg: the teacher's config; the main pair's by default.
        name: the teacher's work dir under ``work_root``; the checkpoint is
            ``work_root/name/teacher.pth``.
        before_training: called only when the teacher is trained here
            (its backbone's pre-training).
    """
    work_dir = osp.join(work_root, name)
    cache = osp.join(work_dir, 'teacher.json')
    # Always this work dir's own checkpoint, never the path the record
    # names: a teacher folder copied from another work root (whose
    # teacher.pth may since hold another model) is reused as it is here.
    checkpoint = osp.join(work_dir, 'teacher.pth')
    key = teacher_key(teacher_cfg, data_root, options, pretrained)
    if osp.exists(cache):
        with open(cache) as f:
            cached = json.load(f)
        if cached.get('key') == key and osp.exists(checkpoint):
            print(f'[teacher] reusing {checkpoint}', flush=True)
            if 'weights_sha256' not in cached:  # cached before it was kept
                cached['weights_sha256'] = weights_digest(checkpoint)
                write_json(cache, cached)
            return dict(cached, checkpoint=checkpoint)
    entry = restore(key, checkpoint)
    if entry is not None:
        print(f'[teacher] restored {checkpoint} from the reference weights '
              f'({entry["file"]})', flush=True)
        run = dict(entry['record'], checkpoint=checkpoint)
    else:
        print('[teacher] training (cached for the next run)', flush=True)
        before_training()
        run = train(teacher_cfg, work_dir, options, label='teacher',
                    data_root=data_root, threads=SHARED_THREADS)
        shutil.copyfile(run['checkpoint'], checkpoint)
        run.update(key=key, checkpoint=checkpoint,
                   weights_sha256=weights_digest(checkpoint))
        print(f'[teacher] {checkpoint} has no reference weights: another '
              f'machine would train another model from the same inputs. '
              f'Save it for every later session with python '
              f'tools/misc/save_mini_reference.py --teacher {work_dir} '
              f'--name teacher_<setting> and commit dev/reference/.',
              flush=True)
    write_json(cache, run)
    return run


def write_json(path: str, content: dict) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(content, f, indent=2)


def read_run(work_dir: str, warmup_iters: int = 50) -> dict:
    """Final val metrics (student, and teacher if evaluated), the median
    training seconds per iteration after warm-up, and the last checkpoint.

    Args:
        work_dir: the run's work dir (its newest mmengine log is read).
        warmup_iters: iterations left out of the timing.
    """
    records = read_scalars(work_dir)
    metrics = [r for r in records if 'coco/bbox_mAP' in r]
    train_times = [r['time'] for r in records
                   if 'time' in r and 'loss' in r and r['iter'] > warmup_iters]
    result = {'s_per_iter': (statistics.median(train_times)
                             if train_times else None)}
    if metrics:
        final = metrics[-1]
        result.update({k: final[f'coco/{k}'] * 100 for k in METRICS})
        if 'teacher.coco/bbox_mAP' in final:
            result['teacher'] = {
                k: final[f'teacher.coco/{k}'] * 100 for k in METRICS
            }
    checkpoints = sorted(glob.glob(osp.join(work_dir, 'epoch_*.pth')),
                         key=lambda p: int(p.split('_')[-1][:-4]))
    result['checkpoint'] = checkpoints[-1] if checkpoints else None
    return result


def distill_options(options: Dict[str, object]) -> Dict[str, object]:
    """A plain detector's ``--cfg-options`` for a distillation config, which
    keeps the detector under ``model.architecture``."""
    return {k.replace('model.test_cfg', 'model.architecture.test_cfg'): v
            for k, v in options.items()}


def complexity(config: str, size: Optional[int] = None) -> Dict[str, float]:
    """Params (M) and FLOPs (G, mmengine's counter) of a config's detector
    (the student, for a distillation config) on one size x size image.

    Args:
        config: the config file.
        size: the square input side; by default the scale of the Resize of
            the config's test pipeline (the mini configs: 160, the demo's
            128).
    """
    import torch
    from mmengine.analysis import get_model_complexity_info
    from mmengine.config import Config
    from mmengine.logging import MMLogger

    import hgd_mm  # noqa: F401
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample
    from mmdet.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config)
    if size is None:
        resize = [t for t in cfg.test_dataloader.dataset.pipeline
                  if t['type'] == 'Resize']
        size = max(resize[0]['scale'])
    model_cfg = cfg.model.get('architecture', cfg.model)
    model = MODELS.build(model_cfg)
    model.eval()

    class Forward(torch.nn.Module):

        def __init__(self, detector):
            super().__init__()
            self.detector = detector
            # A two-stage detector's RPN reads the image shape from them.
            self.samples = [DetDataSample(metainfo=dict(
                img_shape=(size, size), ori_shape=(size, size),
                pad_shape=(size, size), scale_factor=(1.0, 1.0)))]

        def forward(self, x):
            return self.detector._forward(x, self.samples)

    # The counter warns about every op it does not count (BN, upsample).
    MMLogger.get_current_instance().setLevel('ERROR')
    info = get_model_complexity_info(
        Forward(model), inputs=(torch.zeros(1, 3, size, size), ),
        show_table=False, show_arch=False)
    return {'params_m': info['params'] / 1e6, 'flops_g': info['flops'] / 1e9}
