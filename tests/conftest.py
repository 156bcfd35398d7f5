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


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """Task -> directory of a tiny random task model (``genebert_tool.tiny_models``), saved once per session
    with ``save_pretrained`` and loaded by the tests through ``from_pretrained``. Shared: do not change
    these directories -- ``tiny_model(task)`` gives a private copy to damage or calibrate."""
    import torch

    from genebert_tool.tiny_models import build_tiny_models

    torch.set_num_threads(1)
    return build_tiny_models(tmp_path_factory.mktemp("tiny_models"))


@pytest.fixture
def tiny_model(tiny_models, tmp_path):
    """``tiny_model(task)``: a private copy (under tmp_path) of the session's tiny ``task`` model."""
    import shutil

    def copy(task: str) -> Path:
        target = tmp_path / f"tiny-{task}"
        if not target.exists():
            shutil.copytree(tiny_models[task], target)
        return target

    return copy


@pytest.fixture(scope="session")
def chr2(hg38_chr2):
    """The hg38 chr2 piece as one pyfaidx record (uppercase), for tests that recompute what was scored."""
    import pyfaidx

    fa = pyfaidx.Fasta(str(hg38_chr2), as_raw=True, sequence_always_upper=True)
    yield fa["chr2"]
    fa.close()
