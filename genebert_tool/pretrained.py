"""Registry of shipped models: a name -> a directory under ``pretrained/``, verified by sha256.

``pretrained/manifest.json``::

    {"models": {"genebert-promoter": {"path": "genebert-promoter",
                                      "sha256": {"config.json": "<hex>", "model.safetensors": "<hex>", ...},
                                      "task": "promoter", "version": "0.1.0"}}}

``resolve_model`` accepts a directory or a registered name. A registered name is confined to the
registry root (a manifest ``path`` may not point outside it) and every listed file is hashed and
compared; a mismatch, e.g. a Git LFS pointer instead of the weights, raises ``ModelError``. A
directory is verified against its ``SHA256SUMS`` file (``sha256sum -c`` format) when it has one;
``write_checksums`` writes it, and savers (``register_model``, trainers after ``save_pretrained``)
call it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from genebert_tool.errors import ModelError
from genebert_tool.genome.io import atomic_write
from genebert_tool.tasks import get_task, task_names

__all__ = [
    "MANIFEST_FILE",
    "DEFAULT_MODELS",
    "pretrained_root",
    "list_models",
    "resolve_model",
    "model_entry",
    "register_model",
    "sha256_file",
    "write_checksums",
    "verify_checksums",
    "CHECKSUM_FILE",
]

CHECKSUM_FILE = "SHA256SUMS"

MANIFEST_FILE = "manifest.json"
# the shipped model of every task (genebert_tool.tasks) and the shipped pre-training backbone
DEFAULT_MODELS = {**{name: get_task(name).default_model for name in task_names()}, "backbone": "genebert-tiny"}
_CHUNK = 1 << 20


def pretrained_root() -> Path:
    """The ``pretrained/`` package directory (``GENEBERT_PRETRAINED`` overrides it)."""
    env = os.environ.get("GENEBERT_PRETRAINED")
    if env:
        return Path(env)
    import pretrained

    return Path(pretrained.__file__).resolve().parent


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksums(model_dir: str | os.PathLike) -> Path:
    """Write ``SHA256SUMS`` (``<hex>  <name>`` per file, as ``sha256sum`` does) for every file of a model
    directory, atomically; returns its path."""
    directory = Path(model_dir)
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.name != CHECKSUM_FILE)
    text = "".join(f"{sha256_file(p)}  {p.name}\n" for p in files)
    target = directory / CHECKSUM_FILE
    with atomic_write(target) as fh:
        fh.write(text)
    return target


def verify_checksums(model_dir: str | os.PathLike) -> bool:
    """Check a directory's files against its ``SHA256SUMS``; False when it has none, ``ModelError`` on a
    mismatch or a listed file that is missing."""
    directory = Path(model_dir)
    sums = directory / CHECKSUM_FILE
    if not sums.is_file():
        return False
    for lineno, line in enumerate(sums.read_text(errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        name = name.strip().lstrip("*")
        if not name or "/" in name or name in ("..", "."):
            raise ModelError(f"{sums}:{lineno}: not a '<sha256>  <file name>' line")
        path = directory / name
        if not path.is_file():
            raise ModelError(f"{sums}:{lineno}: {path} is missing")
        actual = sha256_file(path)
        if actual != digest.strip().lower():
            raise ModelError(f"{path}: sha256 {actual} does not match {sums} ({digest.strip()}): "
                             "the file changed since the model was saved")
    return True


def _read_manifest(root: Path) -> dict:
    path = root / MANIFEST_FILE
    if not path.exists():
        return {"models": {}}
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: cannot read model manifest: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise ModelError(f"{path}: manifest must be an object with a 'models' object")
    return data


def _write_manifest(root: Path, data: dict) -> None:
    with atomic_write(root / MANIFEST_FILE) as fh:
        fh.write(json.dumps(data, indent=2, sort_keys=True) + "\n")


def list_models(*, root: str | os.PathLike | None = None) -> dict[str, dict]:
    """Registered models: name -> manifest entry (path, sha256, task, version)."""
    return dict(_read_manifest(Path(root) if root else pretrained_root())["models"])


def model_entry(name: str, *, root: str | os.PathLike | None = None) -> dict:
    """The manifest entry of a registered name; ``ModelError`` if unknown."""
    models = list_models(root=root)
    if name not in models:
        known = ", ".join(sorted(models)) or "none"
        raise ModelError(f"unknown model {name!r}: not a directory and not registered (registered: {known})")
    return models[name]


def resolve_model(name_or_dir: str | os.PathLike, *, root: str | os.PathLike | None = None) -> Path:
    """A model directory: ``name_or_dir`` itself if it is a directory, else the verified registered one.

    Raises ``ModelError`` for an unknown name, a missing file or a sha256 mismatch.
    """
    path = Path(name_or_dir)
    if path.is_dir():
        verify_checksums(path)
        return path
    root_path = Path(root) if root else pretrained_root()
    entry = model_entry(str(name_or_dir), root=root_path)
    rel = str(entry.get("path", ""))
    model_dir = (root_path / rel).resolve()
    if not rel or Path(rel).is_absolute() or root_path.resolve() not in model_dir.parents:
        raise ModelError(f"model {name_or_dir!r}: manifest path {rel!r} is outside the registry {root_path}")
    if not model_dir.is_dir():
        raise ModelError(f"model {name_or_dir!r}: directory {model_dir} is missing")
    for file_name, expected in sorted(entry.get("sha256", {}).items()):
        file_path = model_dir / file_name
        if not file_path.is_file():
            raise ModelError(f"model {name_or_dir!r}: {file_path} is missing")
        actual = sha256_file(file_path)
        if actual != expected:
            hint = ""
            with open(file_path, "rb") as handle:
                if handle.read(40).startswith(b"version https://git-lfs"):
                    hint = " (it is a Git LFS pointer: run `git lfs pull`)"
            raise ModelError(
                f"model {name_or_dir!r}: sha256 mismatch for {file_path}{hint}: expected {expected}, got {actual}"
            )
    return model_dir


def register_model(
    model_dir: str | os.PathLike,
    name: str,
    task: str | None,
    version: str,
    *,
    root: str | os.PathLike | None = None,
) -> dict:
    """Record ``model_dir`` under ``name`` with the sha256 of every file in it; returns the entry.

    A directory outside the registry root is copied to ``<root>/<name>`` first. The manifest is
    rewritten atomically.
    """
    root_path = (Path(root) if root else pretrained_root()).resolve()
    source = Path(model_dir).resolve()
    if not (source / "config.json").is_file() and not (source / "risk_classifier.json").is_file():
        raise ModelError(f"{source}: not a model directory (no config.json or risk_classifier.json)")
    if root_path not in source.parents:
        target = root_path / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)
        source = target
    write_checksums(source)  # the directory verifies itself when it is used by path, too
    files = sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.name != CHECKSUM_FILE)
    entry = {
        "path": source.relative_to(root_path).as_posix(),
        "sha256": {p.name: sha256_file(p) for p in files},
        "task": task,
        "version": version,
    }
    data = _read_manifest(root_path)
    data["models"][name] = entry
    _write_manifest(root_path, data)
    return entry
