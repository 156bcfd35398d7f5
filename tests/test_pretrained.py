"""The model registry: manifest round trip, sha256 verification, errors for what cannot be trusted."""

from __future__ import annotations

import hashlib
import json

import pytest

from genebert_tool.errors import ModelError
from genebert_tool.pretrained import (DEFAULT_MODELS, list_models, pretrained_root, register_model, resolve_model,
                                      sha256_file)


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
    """The shipped manifest names every task's default model and the backbone; each entry's files are
    all there, hash to the manifest's sha256, and a task model's config is trained for the entry's task."""
    models = list_models()
    assert set(DEFAULT_MODELS.values()) <= set(models), "a default model is not shipped"
    for name, entry in models.items():
        path = resolve_model(name)
        assert path == pretrained_root() / entry["path"]
        assert "MODEL_CARD.md" in entry["sha256"], f"{name}: no model card"
        for file_name, digest in entry["sha256"].items():
            assert sha256_file(path / file_name) == digest, f"{name}/{file_name}"
        if "config.json" in entry["sha256"]:
            config = json.loads((path / "config.json").read_text())
            assert config["task"] == entry["task"], name
            assert "model.safetensors" in entry["sha256"], f"{name}: a model without weights"


def test_shipped_model_whose_file_changed_is_refused(tmp_path, monkeypatch):
    """The same check on a copy of the shipped registry, with one weight byte flipped."""
    import shutil

    root = tmp_path / "pretrained"
    shutil.copytree(pretrained_root(), root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    monkeypatch.setenv("GENEBERT_PRETRAINED", str(root))
    weights = root / list_models()["genebert-promoter"]["path"] / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256 mismatch"):
        resolve_model("genebert-promoter")
    assert resolve_model("genebert-splice") == root / "genebert-splice"  # the others still verify
