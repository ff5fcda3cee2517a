"""HGDConnector: channel and grid alignment of a student stage."""
import pytest
import torch
import torch.nn.functional as F

from hgd_mm.models import HGDConnector


def reference(connector, feature, size):
    """Project, then resize: the obvious order."""
    projected = F.conv2d(feature, connector.projection.weight,
                         connector.projection.bias)
    return F.interpolate(projected, size=size, mode='bilinear',
                         align_corners=False)


@pytest.mark.parametrize(
    'student_size,teacher_size',
    [((8, 8), (16, 16)), ((16, 12), (8, 6)), ((8, 8), (8, 8))])
def test_aligns_channels_and_grid(student_size, teacher_size):
    torch.manual_seed(0)
    connector = HGDConnector(6, 10)
    feature = torch.randn(2, 6, *student_size, dtype=torch.float64)
    connector.double()
    out = connector(feature, teacher_size)
    assert out.shape == (2, 10, *teacher_size)
    torch.testing.assert_close(out, reference(connector, feature,
                                              teacher_size))


def test_norm_layer_and_gradients():
    connector = HGDConnector(4, 8, norm_cfg=dict(type='BN'))
    assert connector.projection.bias is None
    out = connector(torch.randn(2, 4, 5, 5), (10, 10))
    out.sum().backward()
    assert connector.projection.weight.grad is not None


def test_equal_channels_are_compared_as_they_are_by_default():
    connector = HGDConnector(8, 8)
    assert isinstance(connector.projection, torch.nn.Identity)
    assert not list(connector.parameters())
    feature = torch.randn(2, 8, 6, 6)
    assert torch.equal(connector(feature), feature)
    resized = connector(feature, (12, 12))
    torch.testing.assert_close(
        resized, torch.nn.functional.interpolate(
            feature, size=(12, 12), mode='bilinear', align_corners=False))
    assert isinstance(HGDConnector(8, 8, project=True).projection,
                      torch.nn.Conv2d)
    assert isinstance(HGDConnector(4, 8).projection, torch.nn.Conv2d)


def test_no_projection_between_different_widths_is_refused():
    with pytest.raises(ValueError, match='project=False'):
        HGDConnector(4, 8, project=False)
