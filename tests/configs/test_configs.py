"""Every config under configs/ loads, builds offline and takes a loss step.

The configs are found by glob (``_base_`` fragments excluded), so a new config
is tested without being listed here. Nothing is downloaded: teacher
checkpoints, ``cfg_path`` pretrained weights and ``Pretrained`` init_cfgs are
switched off, and any checkpoint load fails the test. Datasets (COCO, VOC) are
never instantiated; the batch is mmdet's random demo batch.
"""
import ast
import functools
import glob
import os.path as osp
import re
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest
import torch
import yaml
from mmengine.config import Config, ConfigDict
from torch import nn

import hgd_mm  # noqa: F401  (compat fixes + HGD components)
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.testing import demo_mm_inputs
from mmdet.utils import register_all_modules
from mmrazor.registry import MODELS as MMRAZOR_MODELS

register_all_modules(init_default_scope=False)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_ROOT = osp.join(REPO, 'configs')
IMAGE_SIZE = 128
BATCH_SIZE = 2  # >1: MMRazor peers normalise over the batch (P7 is 1x1)


def find_configs(root: str = CONFIG_ROOT) -> List[str]:
    """Every config file under ``root``, outside ``_base_`` folders.

    Args:
        root: the configs directory.
    """
    paths = glob.glob(osp.join(root, '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(path, REPO) for path in paths
        if '_base_' not in osp.relpath(path, root).split(osp.sep))


CONFIGS = find_configs()


@functools.lru_cache(maxsize=None)
def load_config(path: str) -> Config:
    """A config of this repository, read once (callers must not modify it).

    Args:
        path: the config, relative to the repository.
    """
    return Config.fromfile(osp.join(REPO, path))


def is_pretrained_init(init_cfg: Any) -> bool:
    """Whether an init_cfg entry loads pretrained weights."""
    return isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained'


def without_pretrained(cfg: Any) -> Any:
    """A copy of a (nested) model config with every ``Pretrained`` init_cfg
    removed and every ``cfg_path`` model built with ``pretrained=False``.

    Args:
        cfg: a model config, or any value inside one.
    """
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(without_pretrained(item) for item in cfg)
    if not isinstance(cfg, dict):
        return cfg
    result = {key: without_pretrained(value) for key, value in cfg.items()}
    init_cfg = result.get('init_cfg')
    if is_pretrained_init(init_cfg):
        result['init_cfg'] = None
    elif isinstance(init_cfg, list):
        result['init_cfg'] = [
            item for item in init_cfg if not is_pretrained_init(item)
        ] or None
    if 'cfg_path' in result:
        result['pretrained'] = False
    return result


def offline_model_cfg(model: ConfigDict) -> ConfigDict:
    """The config's model with every weight download switched off.

    Args:
        model: the ``model`` field of a config.
    """
    model = ConfigDict(without_pretrained(model.to_dict()))
    if 'teacher_ckpt' in model:
        model.teacher_ckpt = None
    return model


def build_model(model: ConfigDict) -> nn.Module:
    """Build through MMRazor's registry for ``_scope_='mmrazor'`` models,
    through mmdet's otherwise.

    Args:
        model: an offline model config.
    """
    registry = (MMRAZOR_MODELS
                if model.get('_scope_') == 'mmrazor' else MMDET_MODELS)
    return registry.build(model)


def detector_of(model: nn.Module) -> nn.Module:
    """The mmdet detector: the student of a distillation algorithm."""
    return getattr(model, 'student', model)


def num_classes_of(detector: nn.Module) -> int:
    """Classes of a one-stage (bbox_head) or two-stage (roi_head) detector."""
    roi_head = getattr(detector, 'roi_head', None)
    if roi_head is not None:
        return roi_head.bbox_head.num_classes
    return detector.bbox_head.num_classes


def loss_step(model: nn.Module, num_classes: int,
              seed: int = 0) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    """One forward in ``loss`` mode and one backward on a random batch.

    Args:
        model: a detector or a distillation algorithm.
        num_classes: classes of the random ground truth.
        seed: seed of the batch.
    """
    torch.manual_seed(seed)
    np.random.seed(seed)
    packed = demo_mm_inputs(
        BATCH_SIZE,
        image_shapes=[(3, IMAGE_SIZE, IMAGE_SIZE)] * BATCH_SIZE,
        num_classes=num_classes,
        with_mask=False)
    model.train()
    data = model.data_preprocessor(packed, True)
    losses = model(**data, mode='loss')
    loss, log_vars = model.parse_losses(losses)
    loss.backward()
    return loss, log_vars


def header(path: str) -> str:
    """The comment lines a config starts with, without their ``#``.

    Args:
        path: the config, relative to the repository.
    """
    lines = []
    with open(osp.join(REPO, path)) as f:
        for line in f:
            if not line.startswith('#'):
                break
            lines.append(line[1:].strip())
    return ' '.join(lines)


#: "Stages: ... N pairs" in a distillation config's header.
STAGES_CLAIM = re.compile(r'Stages:[^:]*?(\d+) pairs')


def bases_of(path: str) -> List[str]:
    """Every file a config inherits, its bases' bases too: paths relative
    to the repository, ``mmdet::...`` for mmdet's (not followed further).

    Args:
        path: the config, relative to the repository.
    """
    with open(osp.join(REPO, path)) as f:
        tree = ast.parse(f.read())
    found: List[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            value = ast.literal_eval(node.value)
            for base in [value] if isinstance(value, str) else value:
                if base.startswith('mmdet::'):
                    found.append(base)
                    continue
                base = osp.normpath(osp.join(osp.dirname(path), base))
                found += [base] + bases_of(base)
    return found


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """One intra-op thread: on a shared 2-core CPU, two OpenMP threads
    spin-waiting for each other made these tests ~3x slower (measured)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def no_checkpoint_loading(monkeypatch):
    """Fail on any attempt to load (or download) a checkpoint."""
    from mmengine.runner.checkpoint import CheckpointLoader

    def refuse(cls, filename, *args, **kwargs):
        raise AssertionError(f'the test tried to load checkpoint {filename}')

    monkeypatch.setattr(CheckpointLoader, 'load_checkpoint',
                        classmethod(refuse))


def test_configs_are_found():
    assert any(path.startswith('configs/mini/') for path in CONFIGS)
    assert any(path.startswith('configs/hgd/') for path in CONFIGS)
    assert any('ablations' in path for path in CONFIGS)
    assert not any('_base_' in path for path in CONFIGS)


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_and_takes_a_loss_step(path, no_checkpoint_loading):
    cfg = load_config(path)
    model = build_model(offline_model_cfg(cfg.model))
    detector = detector_of(model)
    # As inside a Runner: schedules that decay over training read max_iters.
    from mmengine.logging import MessageHub
    MessageHub.get_current_instance().update_info('max_iters', 1000)

    loss, log_vars = loss_step(model, num_classes_of(detector))

    assert torch.isfinite(loss), f'{path}: loss {loss}'
    distiller = getattr(model, 'distiller', None)
    if distiller is None or type(distiller).__name__ != 'HGDDistiller':
        return
    assert cfg.custom_imports.imports == ['hgd_mm']
    stage_losses = {f'distill.loss_hgd_{s.key}' for s, _ in distiller.pairs}
    assert stage_losses and stage_losses <= set(log_vars), sorted(log_vars)
    if path in HGD_PAIRS:
        # the header's "Stages: ... N pairs" is what the model distils
        claim = STAGES_CLAIM.search(header(path))
        assert claim, f'{path}: its header says nothing of the stages'
        assert int(claim.group(1)) == len(distiller.pairs), (path, [
            s.name for s, _ in distiller.pairs])
    if distiller.stage_selection == 'all':
        # every backbone output and every neck level of the student
        assert len(distiller.pairs) == len(distiller.student_stages)
        assert {s.source for s, _ in distiller.pairs} == {'backbone', 'neck'}
        if path.startswith('configs/hgd/'):  # 4 backbone stages + 5 levels
            assert len(distiller.pairs) == 9
    assert all(p.grad is None for p in model.teacher.parameters())


# --- configs/hgd: one algorithm base, each family on its own mmdet config ---

HGD_PAIRS = [
    path for path in CONFIGS if path.startswith('configs/hgd/hgd_')
]


def test_every_hgd_config_shares_the_algorithm_base():
    assert HGD_PAIRS
    base = 'configs/hgd/_base_/hgd_fpn_teacher_distill.py'
    for path in HGD_PAIRS + [
            p for p in CONFIGS if p.startswith('configs/hgd/ablations/')
    ]:
        assert base in bases_of(path), path
        model = load_config(path).model
        assert (model.type, model.distiller.type) == ('FpnTeacherDistill',
                                                      'HGDDistiller'), path


@pytest.mark.parametrize('path', HGD_PAIRS)
def test_hgd_config_inherits_only_its_own_detector_family(path):
    bases = bases_of(path)
    # no other pair's config (e.g. Faster R-CNN on the RetinaNet one)
    assert not [b for b in bases if b in HGD_PAIRS]
    families = {b[len('mmdet::'):].split('/')[0] for b in bases
                if b.startswith('mmdet::')}
    assert len(families) == 1, (path, bases)
    student = load_config(path).model.architecture
    if 'cfg_path' not in student:
        return  # a student config of this repository (baselines/, _base_/)
    assert student.cfg_path.startswith(f'mmdet::{families.pop()}/')
    # and the student's recipe is its own mmdet config's
    from mmengine.hub import get_config
    own, cfg = get_config(student.cfg_path), load_config(path)
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler', 'val_evaluator'):
        assert unscoped(cfg[key]) == unscoped(own[key]), (path, key)


def unscoped(cfg: Any) -> Any:
    """A config value without the ``_scope_`` keys mmengine adds to what
    it reads from ``mmdet::`` files."""
    if isinstance(cfg, dict):
        return {k: unscoped(v) for k, v in cfg.items() if k != '_scope_'}
    if isinstance(cfg, (list, tuple)):
        return [unscoped(v) for v in cfg]
    return cfg


# --- configs/hgd/metafile.yml ----------------------------------------------

HGD_ROOT = osp.join(CONFIG_ROOT, 'hgd')


def mmdet_model_zoo() -> Dict[str, str]:
    """Checkpoint URL -> mmdet config (``mmdet::...``) of every model in
    mmdet's installed metafiles."""
    import mmdet
    pattern = osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs', '**',
                       'metafile.yml')
    zoo = {}
    for path in glob.glob(pattern, recursive=True):
        with open(path) as f:
            metafile = yaml.safe_load(f)
        models = metafile.get('Models', []) if isinstance(metafile,
                                                          dict) else []
        for model in models:
            config = model.get('Config', '')
            if isinstance(model.get('Weights'), str) and config.startswith(
                    'configs/'):
                zoo[model['Weights']] = 'mmdet::' + config[len('configs/'):]
    return zoo


def model_of(config: str) -> dict:
    """The model dict named by a metafile ``Config``: ``mmdet::...`` or a
    config of this repository.

    Args:
        config: the metafile's ``Config`` value.
    """
    if config.startswith('mmdet::'):
        return dict(cfg_path=config)
    return load_config(config).model.to_dict()


def same_model(metafile_config: str, model: dict) -> bool:
    """Whether a distillation config's student/teacher is the metafile's.

    Args:
        metafile_config: the metafile's ``Config`` value.
        model: ``architecture`` or ``teacher`` of the distillation config.
    """
    if 'cfg_path' in model:
        return model['cfg_path'] == metafile_config
    return model == model_of(metafile_config)


@pytest.fixture(scope='module')
def metafile() -> dict:
    """configs/hgd/metafile.yml, parsed."""
    with open(osp.join(HGD_ROOT, 'metafile.yml')) as f:
        return yaml.safe_load(f)


def test_metafile_lists_every_hgd_config(metafile):
    listed = [model['Config'] for model in metafile['Models']]
    assert len(listed) == len(set(listed))
    distillation = [
        path for path in CONFIGS if path.startswith('configs/hgd/')
        and 'architecture' in load_config(path).model
    ]
    assert sorted(listed) == sorted(distillation)
    assert all(model['In Collection'] == 'HGD'
               for model in metafile['Models'])
    assert 'Results' not in str(metafile)  # nothing was measured


def test_metafile_matches_the_configs_and_mmdet_model_zoo(metafile):
    zoo = mmdet_model_zoo()
    for entry in metafile['Models']:
        model = load_config(entry['Config']).model.to_dict()
        assert entry['Name'] == osp.splitext(osp.basename(
            entry['Config']))[0]
        for role, key in (('Student', 'architecture'), ('Teacher',
                                                        'teacher')):
            meta = entry['Metadata'][role]
            assert same_model(meta['Config'], model[key]), (entry['Name'],
                                                            role)
            if 'Weights' in meta:
                assert zoo.get(meta['Weights']) == meta['Config'], (
                    f'{entry["Name"]}: {role} weights are not mmdet\'s '
                    f'checkpoint of {meta["Config"]}')
        teacher_weights = entry['Metadata']['Teacher'].get('Weights')
        if model['teacher_ckpt'].startswith('https://'):
            assert teacher_weights == model['teacher_ckpt']
        else:  # a teacher the user trains first (no mmdet checkpoint)
            assert teacher_weights is None
