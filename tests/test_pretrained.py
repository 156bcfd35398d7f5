"""The model registry: manifest round trip, sha256 verification, errors for what cannot be trusted."""

from __future__ import annotations

import hashlib
import json

import pytest

from genebert_tool.errors import ModelError
from genebert_tool.pretrained import list_models, register_model, resolve_model, sha256_file


def make_model_dir(path, payload=b"weights"):
    path.mkdir(parents=True)
    (path / "config.json").write_text('{"model_type": "genebert"}')
    (path / "model.safetensors").write_bytes(payload)
    (path / "tokenizer.json").write_text('{"type": "KmerTokenizer", "k": 6}')
    return path


def test_register_and_resolve(tmp_path):
    root = tmp_path / "pretrained"
    model_dir = make_model_dir(root / "genebert-promoter")
    entry = register_model(model_dir, "genebert-promoter", "promoter", "0.1.0", root=root)
    assert entry["path"] == "genebert-promoter" and entry["task"] == "promoter" and entry["version"] == "0.1.0"
    assert entry["sha256"]["model.safetensors"] == hashlib.sha256(b"weights").hexdigest()
    assert set(entry["sha256"]) == {"config.json", "model.safetensors", "tokenizer.json"}
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["models"]["genebert-promoter"] == entry
    assert list_models(root=root) == {"genebert-promoter": entry}
    assert resolve_model("genebert-promoter", root=root) == root / "genebert-promoter"


def test_directory_is_used_as_is(tmp_path):
    model_dir = make_model_dir(tmp_path / "mine")
    assert resolve_model(model_dir, root=tmp_path / "empty") == model_dir


def test_register_copies_outside_directory(tmp_path):
    root = tmp_path / "pretrained"
    root.mkdir()
    outside = make_model_dir(tmp_path / "run" / "best")
    entry = register_model(outside, "genebert-tfbs", "tfbs", "0.2", root=root)
    assert entry["path"] == "genebert-tfbs"
    assert sha256_file(root / "genebert-tfbs" / "model.safetensors") == entry["sha256"]["model.safetensors"]


def test_sha256_mismatch_raises(tmp_path):
    root = tmp_path / "pretrained"
    model_dir = make_model_dir(root / "genebert-splice")
    register_model(model_dir, "genebert-splice", "splice", "1", root=root)
    (model_dir / "model.safetensors").write_bytes(b"weightz")
    with pytest.raises(ModelError, match="sha256 mismatch"):
        resolve_model("genebert-splice", root=root)
    (model_dir / "model.safetensors").write_bytes(b"version https://git-lfs.github.com/spec/v1\noid sha256:00\n")
    with pytest.raises(ModelError, match="Git LFS"):
        resolve_model("genebert-splice", root=root)
    (model_dir / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="missing"):
        resolve_model("genebert-splice", root=root)


def test_unknown_name_and_bad_manifest(tmp_path):
    root = tmp_path / "pretrained"
    make_model_dir(root / "a")
    register_model(root / "a", "a", None, "1", root=root)
    with pytest.raises(ModelError, match="registered: a"):
        resolve_model("nope", root=root)
    (root / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="manifest"):
        list_models(root=root)
    with pytest.raises(ModelError, match="config.json"):
        register_model(tmp_path, "x", None, "1", root=root)


def test_shipped_models_verify():
    """Every model in the shipped pretrained/manifest.json is present and matches its sha256."""
    for name in list_models():
        assert resolve_model(name).is_dir()
