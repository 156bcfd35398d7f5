from pathlib import Path

import pytest

from genebert_tool.datadir import data_dir, data_file
from genebert_tool.errors import DataNotFoundError


def test_env_setting_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("GENEBERT_DATA", str(tmp_path))
    assert data_dir() == tmp_path


def test_missing_dir_raises_or_returns_none(tmp_path, monkeypatch):
    monkeypatch.setenv("GENEBERT_DATA", str(tmp_path / "nope"))
    with pytest.raises(DataNotFoundError, match="GENEBERT_DATA"):
        data_dir()
    assert data_dir(required=False) is None


def test_missing_file_names_the_path(real_data: Path):
    with pytest.raises(DataNotFoundError, match="no_such_file"):
        data_file("no_such_file.txt")
    assert data_file("SOURCES.md").is_file()
