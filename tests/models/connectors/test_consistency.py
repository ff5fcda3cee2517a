"""The consistency normalisations applied to both sides of a pair."""
import pytest
import torch

from hgd_mm.models.connectors import get_normalization, standardize_channels
from hgd_mm.models.connectors.consistency import \
    standardize_channels_over_batch


def test_standardize_channels():
    feature = torch.randn(2, 3, 7, 9) * 50 + 10
    out = standardize_channels(feature)
    torch.testing.assert_close(out.mean(dim=(2, 3)), torch.zeros(2, 3),
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(out.std(dim=(2, 3), unbiased=False),
                               torch.ones(2, 3), atol=1e-4, rtol=0)
    # Scale-free: a stage 1000x larger compares on pattern alone.
    torch.testing.assert_close(standardize_channels(feature * 1000.0), out,
                               atol=1e-4, rtol=1e-4)


def test_unknown_normalization_is_refused():
    assert get_normalization(None)(torch.ones(1)) == torch.ones(1)
    with pytest.raises(ValueError, match='channel_std'):
        get_normalization('batch')


def test_single_position_maps_standardise_over_the_batch():
    feature = torch.randn(4, 3, 1, 1)
    out = standardize_channels(feature)
    assert out.abs().sum() > 0
    torch.testing.assert_close(out.mean(dim=(0, 2, 3)), torch.zeros(3),
                               atol=1e-5, rtol=0)


def test_batch_channel_std_keeps_differences_between_images():
    torch.manual_seed(0)
    # Channel 0 fires 10x harder in image 1 than in image 0.
    feature = torch.randn(2, 3, 6, 5, dtype=torch.float64)
    feature[1, 0] += 10.0
    out = get_normalization('batch_channel_std')(feature)
    # Slow reference: each channel over all images and positions.
    for c in range(3):
        values = feature[:, c]
        expected = (values - values.mean()) / torch.sqrt(
            values.var(unbiased=False) + 1e-5)
        torch.testing.assert_close(out[:, c], expected)
    assert out[1, 0].mean() - out[0, 0].mean() > 1.5
    # Per image, that difference is gone.
    per_image = get_normalization('channel_std')(feature)
    assert abs(per_image[1, 0].mean() - per_image[0, 0].mean()) < 1e-6


def reference_over_batch(feature, eps=1e-5):
    """(x - mean) / sqrt(biased var + eps) per channel over B x H x W."""
    mean = feature.mean(dim=(0, 2, 3), keepdim=True)
    var = ((feature - mean)**2).mean(dim=(0, 2, 3), keepdim=True)
    return (feature - mean) / torch.sqrt(var + eps)


@pytest.mark.parametrize('shape', [(1, 4, 1, 1), (2, 4, 1, 1), (1, 4, 3, 2)])
def test_batch_standardisation_of_any_size_matches_its_definition(shape):
    # B x H x W = 1 (one image's 1 x 1 level) made F.batch_norm raise.
    feature = torch.randn(shape, requires_grad=True)
    out = standardize_channels_over_batch(feature)
    torch.testing.assert_close(out, reference_over_batch(feature))
    out.pow(2).sum().backward()
    assert torch.isfinite(feature.grad).all()
    if shape[0] * shape[2] * shape[3] == 1:
        assert torch.equal(out, torch.zeros(shape))  # a value is its mean


def test_channel_standardisation_of_one_1x1_image():
    feature = torch.randn(1, 4, 1, 1)
    torch.testing.assert_close(standardize_channels(feature),
                               torch.zeros(1, 4, 1, 1))


def test_stage_standardisation_keeps_each_channel_share_of_the_variance():
    feature = torch.randn(2, 3, 5, 5) * torch.tensor([10.0, 1.0, 0.01])[
        None, :, None, None] + 4
    out = get_normalization('stage_std')(feature)
    # reference: centre each channel over B x H x W, one scale per stage
    centred = feature - feature.mean(dim=(0, 2, 3), keepdim=True)
    scale = torch.sqrt((centred**2).mean() + 1e-5)
    torch.testing.assert_close(out, centred / scale)
    shares = out.pow(2).mean(dim=(0, 2, 3))
    # unit variance over the whole stage, not per channel
    torch.testing.assert_close(shares.mean(), torch.tensor(1.0), rtol=1e-4,
                               atol=0)
    assert shares[2] < 1e-5 * shares[0]  # a near-silent channel stays so
