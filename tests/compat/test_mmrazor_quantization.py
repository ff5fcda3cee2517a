"""Fix mmrazor_quantization_import: needed (fails without it), and works."""
import pytest

from helpers import run_python
from hgd_mm import compat


def test_mmrazor_models_import_fails_without_the_fix():
    result = run_python('import mmrazor.models')
    assert result.returncode != 0
    assert 'torch>=1.13' in result.stderr


def test_mmrazor_models_imports_with_the_fix_and_registers_distillers():
    result = run_python("""
        import sys
        import hgd_mm
        stub = sys.modules['mmrazor.structures.quantization.backend_config']
        assert 'hgd_mm' in stub.__doc__
        import mmcv.ops, mmrazor.models
        from mmrazor.registry import MODELS
        names = ['SingleTeacherDistill', 'FpnTeacherDistill',
                 'ConfigurableDistiller', 'PKDLoss', 'ChannelWiseDivergence',
                 'MGDLoss', 'L2Loss', 'FBKDStudentConnector',
                 'ModuleOutputsRecorder', 'ModuleInputsRecorder',
                 'MGDConnector']
        missing = [n for n in names if MODELS.get(n) is None]
        from mmrazor.registry import TASK_UTILS
        missing = [n for n in missing if TASK_UTILS.get(n) is None]
        assert not missing, missing
        print('ok')
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'ok'


def test_quantization_stand_in_explains_itself():
    from mmrazor.structures.quantization import BackendConfigs
    with pytest.raises(compat.QuantizationUnavailableError, match='torch'):
        BackendConfigs['native']
