"""provenance: what every benchmark run records, and the rule that runs of
different code or precision are never pooled into one row."""
import os

import pytest

from hgd_mm_dev.benchmarks import provenance
from hgd_mm_dev.mini.paths import HGD_CFG, REPO, STUDENT_CFG

WEIGHT = 'model.distiller.schedule.loss_weight'


def test_arm_key_ignores_per_run_values_and_paths(monkeypatch):
    base = provenance.arm_key(HGD_CFG, {'randomness.seed': 0, WEIGHT: 15.0,
                                        'model.teacher_ckpt': '/a/t.pth'})
    monkeypatch.setenv('HGD_MINI_DATA', '/somewhere/else/')
    monkeypatch.setenv('HGD_MINI_PRETRAINED', '/other/backbones/')
    # Another seed, teacher path and data location; the value as a string,
    # as --cfg-options passes it: the same arm.
    assert provenance.arm_key(HGD_CFG, {
        'randomness.seed': 3, WEIGHT: '15.0',
        'model.teacher_ckpt': '/b/t.pth'}) == base
    assert os.environ['HGD_MINI_DATA'] == '/somewhere/else/'  # restored


def test_arm_key_ignores_logging_and_checkpoint_hooks():
    base = provenance.arm_key(STUDENT_CFG, {})
    assert provenance.arm_key(STUDENT_CFG, {
        'default_hooks.logger.interval': 7,
        'default_hooks.checkpoint.max_keep_ckpts': 9}) == base
    assert provenance.arm_key(STUDENT_CFG, {
        'train_cfg.max_epochs': 7}) != base


def test_arm_key_changes_with_what_is_trained():
    keys = {provenance.arm_key(HGD_CFG, {WEIGHT: 15.0}),
            provenance.arm_key(HGD_CFG, {WEIGHT: 7.5}),
            provenance.arm_key(STUDENT_CFG, {})}
    assert len(keys) == 3


def test_hgd_arms_key_the_model_sources(monkeypatch):
    before = provenance.arm_key(HGD_CFG, {})
    student = provenance.arm_key(STUDENT_CFG, {})
    monkeypatch.setattr(provenance, 'sources_digest', lambda folder: 'other')
    assert provenance.arm_key(HGD_CFG, {}) != before
    # a plain student does not run hgd_mm.models' code
    assert provenance.arm_key(STUDENT_CFG, {}) == student


def test_sources_digest_follows_file_contents(tmp_path):
    (tmp_path / 'a.py').write_text('x = 1\n')
    (tmp_path / 'notes.txt').write_text('ignored')
    first = provenance.sources_digest(str(tmp_path))
    (tmp_path / 'notes.txt').write_text('still ignored')
    assert provenance.sources_digest(str(tmp_path)) == first
    (tmp_path / 'a.py').write_text('x = 2\n')
    assert provenance.sources_digest(str(tmp_path)) != first


def test_run_provenance_records_commit_options_precision_cpu():
    record = provenance.run_provenance(
        REPO, 'retinanet-quarter-width', {'randomness.seed': 1},
        provenance.arm_key(STUDENT_CFG, {}),
        provenance.run_precision(STUDENT_CFG))
    assert len(record['commit']) == 40 and isinstance(record['dirty'], bool)
    assert record['options'] == {'randomness.seed': '1'}
    assert record['precision'] in ('bf16', 'fp32')
    assert {'model', 'flags', 'bf16_native'} <= set(record['cpu'])
    assert record['setting'] == 'retinanet-quarter-width'


def test_git_commit_outside_a_checkout_says_what_to_do(tmp_path):
    with pytest.raises(RuntimeError, match='not a git checkout'):
        provenance.git_commit(str(tmp_path))


def run(method, seed, key='k1', precision='bf16', setting='s'):
    return dict(method=method, seed=seed, arm_key=key, precision=precision,
                setting=setting)


def test_check_poolable_refuses_mixed_code_or_precision():
    provenance.check_poolable(
        [run('pkd', 0), run('pkd', 1), run('cwd', 0, 'k2')])
    with pytest.raises(ValueError, match="'pkd'.*precision=fp32: seeds"
                       r" \[1\]"):
        provenance.check_poolable([run('pkd', 0), run('pkd', 1,
                                                      precision='fp32')])
    with pytest.raises(ValueError, match='different code'):
        provenance.check_poolable([run('hgd', 0), run('hgd', 1, key='k2')])
    with pytest.raises(ValueError, match='setting=other'):
        provenance.check_poolable([run('hgd', 0), run('hgd', 1,
                                                      setting='other')])


def test_run_precision_follows_the_wrapper_decision(monkeypatch):
    monkeypatch.setenv('HGD_MM_PRECISION', 'fp32')
    assert provenance.run_precision(STUDENT_CFG) == 'fp32'
    monkeypatch.setenv('HGD_MM_PRECISION', 'bf16')
    assert provenance.run_precision(STUDENT_CFG) == 'bf16'
