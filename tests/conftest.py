import os
import sys
import warnings

# Tests import tests/helpers.py and tools/ scripts by name.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'tools'))

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

import hgd_mm  # noqa: E402,F401  (compat first, as every entry point does)
