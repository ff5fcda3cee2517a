"""hgd-mm: Hands-on Guidance Distillation for MMDetection, as MMRazor components."""
import os.path as osp

from setuptools import find_packages, setup


def read_requirements(name: str) -> list:
    path = osp.join(osp.dirname(__file__), 'requirements', name)
    with open(path) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def read_version() -> str:
    namespace: dict = {}
    with open(osp.join(osp.dirname(__file__), 'hgd_mm', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


# The configs (and tools, model-index.yml) travel in the package under
# hgd_mm/.mim, as mmdet's and mmrazor's do: mmengine resolves
# 'hgd_mm::mini/...' there (hgd_mm.compat.hgd_mm_configs). In the source tree
# hgd_mm/.mim/{configs,tools,model-index.yml} are symlinks to the top-level
# folders; the wheel gets copies of the files.
MIM_DATA = [
    f'.mim/{folder}/**/*.{ext}' for folder in ('configs', 'tools')
    for ext in ('py', 'yml', 'md', 'sh')
] + ['.mim/model-index.yml']

setup(
    name='hgd-mm',
    version=read_version(),
    description='Hands-on Guidance Distillation (HGD) for MMDetection via MMRazor',
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['hgd_mm', 'hgd_mm.*']),
    package_data={'hgd_mm': MIM_DATA},
    python_requires='>=3.10',  # torch 2.13's floor
    # torch is left open here (CPU or CUDA build, >=2.0); requirements/torch.txt
    # pins the build that `make` installs and CI tests.
    install_requires=(['torch>=2.0'] + read_requirements('mmcv.txt') +
                      read_requirements('runtime.txt')),
    extras_require={'tests': read_requirements('tests.txt')},
    license='Apache License 2.0',
    zip_safe=False,
)
