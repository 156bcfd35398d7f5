"""Shared fixtures. Applies the torchvision shim before any test imports timm/transformers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from genebert_tool._compat import ensure_torchvision_importable
from genebert_tool.datadir import data_dir

ensure_torchvision_importable()

TESTS_DATA = Path(__file__).parent / "data"


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        has_cuda = False
    if not has_cuda:
        skip_gpu = pytest.mark.skip(reason="needs CUDA")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip_gpu)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The shared real-data directory. Missing: skip locally, fail under CI=true."""
    path = data_dir(required=False)
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("GENEBERT_DATA / ../shared/data is missing under CI: real-data tests cannot run")
        pytest.skip("real data directory not found (set GENEBERT_DATA)")
    return path


@pytest.fixture(scope="session")
def hg38_chr2(real_data: Path) -> Path:
    """The bgzipped, indexed hg38 chr2:0-2,333,275 piece (real coordinates)."""
    return real_data / "genome" / "hg38_chr2_1-2333275.fa.gz"


@pytest.fixture(scope="session")
def tests_data() -> Path:
    return TESTS_DATA


@pytest.fixture
def private_cache(tmp_path, monkeypatch) -> Path:
    """GENEBERT_CACHE inside tmp_path, so tests never touch ~/.cache/genebert."""
    path = tmp_path / "cache"
    monkeypatch.setenv("GENEBERT_CACHE", str(path))
    return path


@pytest.fixture
def tiny_fa(tests_data, tmp_path) -> Path:
    """A private copy of tests/data/genome/tiny.fa, so its .fai is built in tmp_path."""
    import shutil

    path = tmp_path / "tiny.fa"
    shutil.copy(tests_data / "genome" / "tiny.fa", path)
    return path


@pytest.fixture
def tiny_genome(tiny_fa):
    from genebert_tool.genome.fasta import Genome

    return Genome(tiny_fa)
