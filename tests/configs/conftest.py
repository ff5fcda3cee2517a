"""Fixtures of the config tests that build and step models."""
import pytest
import torch


@pytest.fixture(scope='module')
def one_thread():
    """One intra-op thread per module that asks for it (a shared 2-core
    CPU)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
