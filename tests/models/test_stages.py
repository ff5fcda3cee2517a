import pytest

from hgd_mm.models.stages import Stage, pair_stages, select_stages


def hierarchy(spec):
    return [Stage(source, index, channels, stride, (256 // stride, ) * 2)
            for source, index, channels, stride in spec]


STUDENT = hierarchy([('backbone', 0, 16, 4), ('backbone', 1, 32, 8),
                     ('backbone', 2, 64, 16), ('neck', 0, 24, 4),
                     ('neck', 1, 24, 8)])
TEACHER = hierarchy([('backbone', 0, 256, 4), ('backbone', 1, 512, 8),
                     ('backbone', 2, 1024, 16), ('neck', 0, 256, 8),
                     ('neck', 1, 256, 16)])


def names(pairs):
    return [(s.name, t.name) for s, t in pairs]


def test_pairs_by_stride_preferring_the_same_source():
    with pytest.warns(UserWarning, match=r'different sources by stride '
                      r'alone: neck\.0 -> backbone\.0 \('):
        pairs = pair_stages(STUDENT, TEACHER)
    assert names(pairs) == [
        ('backbone.0', 'backbone.0'), ('backbone.1', 'backbone.1'),
        ('backbone.2', 'backbone.2'), ('neck.0', 'backbone.0'),
        ('neck.1', 'neck.0')
    ]


def test_pairs_within_a_source_or_stated_are_made_without_a_word(recwarn):
    pair_stages(STUDENT[:3], TEACHER)  # backbone with backbone
    pair_stages(STUDENT, TEACHER, pairs=[('neck.0', 'backbone.0')])
    assert not [w for w in recwarn if 'different sources' in str(w.message)]


def test_explicit_pairs_override():
    pairs = pair_stages(STUDENT, TEACHER, pairs=[('neck.1', 'neck.1')])
    assert names(pairs) == [('neck.1', 'neck.1')]
    with pytest.raises(ValueError, match='does not exist'):
        pair_stages(STUDENT, TEACHER, pairs=[('neck.7', 'neck.1')])
    with pytest.raises(ValueError, match='paired once'):
        pair_stages(STUDENT, TEACHER,
                    pairs=[('neck.1', 'neck.1'), ('neck.1', 'neck.0')])


def test_unpairable_stage_prints_both_hierarchies():
    student = hierarchy([('neck', 0, 8, 4), ('neck', 1, 8, 2)])
    with pytest.raises(ValueError) as error:
        pair_stages(student, TEACHER)
    message = str(error.value)
    assert 'neck.1 (stride 2)' in message
    assert 'student:' in message and 'teacher:' in message
    assert '1024 x 16 x 16' in message and '8 x 128 x 128' in message
    with pytest.warns(UserWarning, match='neck.0 -> backbone.0'):
        skipped = pair_stages(student, TEACHER, on_unpaired='skip')
    assert names(skipped) == [('neck.0', 'backbone.0')]
    # Only 'skip' skips: a misspelt policy errors, it never drops stages.
    with pytest.raises(ValueError, match='cannot pair'):
        pair_stages(student, TEACHER, on_unpaired='skipp')


def test_stage_selection():
    assert [s.name for s in select_stages(STUDENT, 'neck')] == [
        'neck.0', 'neck.1'
    ]
    assert select_stages(STUDENT, ['backbone.1'])[0].channels == 32
    with pytest.raises(ValueError, match='do not exist'):
        select_stages(STUDENT, ['backbone.9'])
    with pytest.raises(ValueError, match="use 'all'"):
        select_stages(STUDENT, 'fpn')
