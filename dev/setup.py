"""hgd-mm-dev: the mini setting and the benchmarks of the hgd-mm repository.

Not part of the hgd-mm wheel: installed editable from the checkout
(``pip install --no-build-isolation --no-deps -e dev/``, which
``tools/setup_env.sh`` runs), since it reads the repository's configs and
tools.
"""
from setuptools import find_packages, setup

setup(
    name='hgd-mm-dev',
    version='0.0.0',
    description='Mini setting and benchmarks of the hgd-mm repository',
    packages=find_packages(include=['hgd_mm_dev', 'hgd_mm_dev.*']),
    python_requires='>=3.10',  # torch 2.13's floor
    # hgd_mm and its stack come from the repository's own requirements.
    install_requires=['hgd-mm'],
    zip_safe=False,
)
