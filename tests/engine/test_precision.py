import json

import pytest

from hgd_mm.engine import precision


@pytest.fixture
def cpu(monkeypatch):
    """Set what the probe sees: torch's answer and the CPU flags."""

    def set_cpu(mkldnn: bool, flags, amx=None):
        monkeypatch.setattr(precision, '_mkldnn_bf16_supported',
                            lambda: mkldnn)
        monkeypatch.setattr(precision, '_torch_amx_supported', lambda: amx)
        monkeypatch.setattr(precision, '_cpuinfo', lambda: (
            'Test CPU', None if flags is None else frozenset(flags)))

    monkeypatch.delenv(precision.PRECISION_ENV, raising=False)
    return set_cpu


@pytest.mark.parametrize('mkldnn, flags, expected, why', [
    (True, {'avx2', 'avx512f', 'avx512_bf16', 'amx_bf16'}, 'bf16',
     'native bf16 (avx512_bf16, amx_bf16)'),
    (True, {'avx2', 'amx_bf16'}, 'bf16', 'native bf16 (amx_bf16)'),
    (True, {'fp', 'asimd', 'bf16'}, 'bf16', 'native bf16 (bf16)'),  # Arm
    # bf16 instructions without AMX: native, but slower than fp32.
    (True, {'avx2', 'avx512f', 'avx512_bf16'}, 'fp32',
     'native bf16 (avx512_bf16) but no AMX'),
    # torch says yes on AVX512 without bf16 instructions: emulated there.
    (True, {'avx2', 'avx512f'}, 'fp32', 'no native bf16'),
    (False, {'avx2'}, 'fp32', 'no native bf16'),  # issue 21's AVX2-only CPU
    (False, None, 'fp32', 'no native bf16'),
])
def test_auto_follows_faster_bf16(cpu, mkldnn, flags, expected, why):
    cpu(mkldnn, flags)
    assert precision.resolve_precision() == expected
    chosen, reason = precision.decide_precision('auto')
    assert chosen == expected
    assert reason.startswith(f'auto: Test CPU has {why}')
    assert precision.bf16_faster() == (expected == 'bf16')
    assert precision.cpu_description()['bf16_faster'] == (expected == 'bf16')


@pytest.mark.parametrize('amx, expected, why', [
    (True, 'bf16', "native bf16 (CPU flags unknown, torch's probes say so)"),
    (False, 'fp32', "native bf16 (CPU flags unknown, torch's probes say so) "
     'but no AMX'),
    (None, 'bf16', "native bf16 (CPU flags unknown"),  # no AMX probe
])
def test_without_cpu_flags_torchs_amx_probe_decides(cpu, amx, expected, why):
    cpu(True, None, amx)
    chosen, reason = precision.decide_precision('auto')
    assert chosen == expected
    assert reason.startswith(f'auto: Test CPU has {why}')


def test_torchs_amx_probe_is_read_where_this_torch_has_one():
    import torch
    probe = getattr(torch.cpu, '_is_amx_tile_supported', None)
    expected = None if probe is None else bool(probe())
    assert precision._torch_amx_supported() == expected


def test_env_and_argument_force_either_path(cpu, monkeypatch):
    cpu(True, {'avx512_bf16'})
    monkeypatch.setenv(precision.PRECISION_ENV, 'fp32')
    assert precision.decide_precision() == (
        'fp32', 'forced by HGD_MM_PRECISION=fp32')
    assert precision.resolve_precision('bf16') == 'bf16'  # argument wins
    cpu(False, {'avx2'})
    monkeypatch.setenv(precision.PRECISION_ENV, ' BF16 ')
    chosen, reason = precision.decide_precision()
    assert chosen == 'bf16' and 'emulated' in reason


@pytest.mark.parametrize('value', ['fp16', 'float32', 'yes'])
def test_unknown_value_is_a_clear_error(cpu, monkeypatch, value):
    monkeypatch.setenv(precision.PRECISION_ENV, value)
    with pytest.raises(ValueError,
                       match=f"HGD_MM_PRECISION: precision '{value}' is not "
                       'one of auto|bf16|fp32'):
        precision.resolve_precision()
    with pytest.raises(ValueError, match='argument'):
        precision.resolve_precision(value)


def test_cpu_description_records_flags(cpu):
    cpu(True, {'avx2', 'avx512f'})
    description = precision.cpu_description()
    assert json.loads(json.dumps(description)) == description
    assert description['model'] == 'Test CPU'
    assert description['bf16_native'] is False
    assert description['mkldnn_bf16_supported'] is True
    assert description['flags']['avx2'] is True
    assert description['flags']['avx512_bf16'] is False


def test_real_cpu_description_agrees_with_proc_cpuinfo():
    precision._cpuinfo.cache_clear()
    description = precision.cpu_description()
    try:
        with open('/proc/cpuinfo') as f:
            text = f.read()
    except OSError:
        pytest.skip('no /proc/cpuinfo')
    assert description['flags']['avx2'] == (' avx2 ' in text.replace(
        '\n', ' '))
    assert description['model'] in text
