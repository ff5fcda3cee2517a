"""study.prepare_setting: a setting that distils from another setting's
teacher (resnet-mobilenetv2 from retinanet-depth's) finds that teacher: the
same cache key, in the same place, while its own student's backbone is
pre-trained."""
import pytest

from hgd_mm_dev.benchmarks import study
from hgd_mm_dev.mini import pretrain
from hgd_mm_dev.mini.paths import SETTINGS, SHARED_TEACHERS


@pytest.fixture
def prepared(monkeypatch, tmp_path):
    """prepare_setting with nothing trained: the teacher run's key and
    work root and the backbones asked to be made, per setting."""
    calls = {}
    made = []
    real_ensure = study.mini_runs.ensure_pretrained_backbones

    def ensure(configs, root, quick=False, make=True):
        if make:
            made.extend(configs)
        return real_ensure(configs, root, quick=quick, make=False)

    def teacher_run(work_root, data_root, options, pretrained, teacher_cfg,
                    before_training=None):
        calls['last'] = dict(
            key=study.mini_runs.teacher_key(teacher_cfg, data_root, options,
                                            pretrained),
            work_root=work_root, teacher=teacher_cfg)
        return dict(checkpoint='unused.pth', key=calls['last']['key'],
                    **dict.fromkeys(study.mini_runs.METRICS, 0.0))

    (tmp_path / 'meta.json').write_text('{}')
    # ensure_pretrained_backbones sets it for the runs: restored afterwards
    monkeypatch.setenv('HGD_MINI_PRETRAINED', str(tmp_path) + '/')
    monkeypatch.setattr(study.mini_runs, 'ensure_mini_data',
                        lambda *a, **k: None)
    monkeypatch.setattr(study.mini_runs, 'ensure_pretrained_backbones',
                        ensure)
    monkeypatch.setattr(study.mini_runs, 'teacher_run', teacher_run)

    def run(name):
        made.clear()
        study.prepare_setting(name, 'val', False, str(tmp_path))
        return dict(calls['last'], made=list(made))

    return run


def test_a_shared_teacher_has_its_owners_key_and_place(prepared):
    owner = prepared('retinanet-depth')
    sharer = prepared('resnet-mobilenetv2')
    assert sharer['teacher'] == owner['teacher']
    assert sharer['work_root'] == owner['work_root']
    assert sharer['key'] == owner['key']
    # its own student's backbone is still made for its students' runs
    assert sharer['made'] == [SETTINGS['resnet-mobilenetv2']['student']]


@pytest.mark.parametrize('name, students', [
    ('faster-rcnn-depth', 'faster-rcnn-depth'),
    ('retinanet-depth', 'retinanet-depth'),
    ('resnet-mobilenetv2', 'retinanet-depth'),
])
def test_a_teacher_key_names_its_backbones_and_its_owners_students(
        prepared, name, students):
    """The key ends with the backbones' keys of the teacher and of the
    students of the setting that owns the teacher (SHARED_TEACHERS), as the
    committed teachers' keys do."""
    backbones = pretrain.pretrain_configs(
        [SETTINGS[name]['teacher'], SETTINGS[students]['student']],
        make=False)
    assert prepared(name)['key'].endswith(''.join(sorted(
        r['key'] for r in backbones.values())))
    assert (name in SHARED_TEACHERS) == (name != students)
