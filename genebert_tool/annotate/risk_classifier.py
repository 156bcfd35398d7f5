"""A trained variant-risk classifier: logistic regression on the task models' ALT - REF deltas and,
when trained with a gene annotation, where the variant lies relative to annotated exons.

Features (one definition, used by ``trainer.risk`` to train and by ``annotate --risk-model`` to
score): for every output ``o`` of every task model, in column order, ``delta_o = P_o(ALT) -
P_o(REF)`` (``annotate.variants.score_variants`` + ``annotate.risk.deltas``), then ``|delta_o|``
for the same outputs. Named ``<column>.delta`` and ``<column>.abs_delta``. A classifier trained with
``--annotation BED12`` adds the four ``annotation.*`` features of ``annotate.risk_annotation``
(splice-site distance, SNV or not, in an exon or not, and their product) and records the annotation
files (name, sha256) it was trained with; scoring it without an annotation is refused.

The classifier is standardisation followed by L2 logistic regression, stored as plain numbers in
``risk_classifier.json`` (no pickle): ``p = sigmoid(((x - mean) / scale) . coef + intercept)``.
It records the task models it was trained on (name, version, window, scan distance, columns); a
feature matrix made with other models, or another scoring setting, is refused (``ModelError``),
because its columns would mean something else.

This module is numpy only: training (scikit-learn, cross-validation) lives in ``trainer.risk``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genebert_tool.annotate.models import ScoringModel
from genebert_tool.annotate.risk_annotation import ANNOTATION_FEATURES, VariantAnnotation
from genebert_tool.errors import InputError, ModelError

CLASSIFIER_FILE = "risk_classifier.json"
#: The registered classifier ``annotate --task risk`` uses when ``--risk-model`` is not given.
DEFAULT_RISK_MODEL = "genebert-risk"
_RETRAIN = "retrain it (examples/train_risk.sh) or pass --risk-model none"
FORMAT = "genebert-risk-classifier"
#: 2 adds ``annotation`` (null, or the annotation features and files); version 1 files read as null.
FORMAT_VERSION = 2
_READABLE_VERSIONS = (1, 2)
#: The identity fields a feature matrix and a classifier must agree on, per task model.
IDENTITY_KEYS = ("name", "version", "window_bp", "scan_distance", "columns")
_KEYS = frozenset({"format", "format_version", "classifier", "feature_definition", "feature_names", "coef", "intercept",
                   "scaler_mean", "scaler_scale", "C", "task_models", "both_strands", "label_mapping", "cv_metrics",
                   "annotation", "decision_threshold"})


def model_identity(model: ScoringModel) -> dict:
    """What a task model contributes to the feature columns: name, version, task, window, outputs, and
    the sha256 of its weights (``"."`` for a model not loaded from a file)."""
    return {"name": model.name, "version": model.version, "task": model.task, "window_bp": int(model.window_bp),
            "scan_distance": int(model.scan_distance), "columns": list(model.columns),
            "weights_sha256": getattr(model, "sha256", ".") or "."}


def _weights_sha256(identity: dict) -> str | None:
    """The weights' sha256 a classifier pinned for one task model (trainer: ``sha256`` of its files)."""
    files = identity.get("sha256")
    pinned = files.get("model.safetensors") if isinstance(files, dict) else None
    pinned = pinned or identity.get("weights_sha256")
    return None if pinned in (None, ".") else str(pinned)


def feature_names(columns: Sequence[str], *, annotation: bool = False) -> list[str]:
    """``<column>.delta`` for every output column, then ``<column>.abs_delta`` for the same columns,
    then (``annotation``) ``ANNOTATION_FEATURES``."""
    return ([f"{c}.delta" for c in columns] + [f"{c}.abs_delta" for c in columns]
            + (list(ANNOTATION_FEATURES) if annotation else []))


@dataclass(frozen=True)
class RiskFeatures:
    """Classifier input. ``values``: ``(n_variants, 2 * n_outputs [+ 4])`` float64, columns ``names``;
    ``models``: ``model_identity`` of each task model that made them, in column order;
    ``annotation_files``: the annotation files (``AnnotationSource.to_json``) of the ``annotation.*``
    columns, None when there are none."""

    values: np.ndarray
    names: list[str]
    models: list[dict]
    both_strands: bool = False
    annotation_files: list[dict] | None = None


def risk_features(delta: np.ndarray, models: Sequence[ScoringModel], *, both_strands: bool = False,
                  annotation: VariantAnnotation | None = None,
                  annotation_files: Sequence[dict] = ()) -> RiskFeatures:
    """Features from ``delta`` ``(n_variants, n_outputs)`` (ALT - REF per output column of ``models``)
    and, when given, the same variants' ``annotation`` (``annotate.risk_annotation.annotate_variants``)
    from the files ``annotation_files``."""
    delta = np.asarray(delta, dtype=np.float64)
    columns = [c for m in models for c in m.columns]
    if delta.ndim != 2 or delta.shape[1] != len(columns):
        raise ValueError(f"delta must be (n_variants, {len(columns)}) for these models, got {delta.shape}")
    parts = [delta, np.abs(delta)]
    if annotation is not None:
        if len(annotation.splice_distance) != len(delta):
            raise ValueError(f"annotation of {len(annotation.splice_distance)} variants for {len(delta)} deltas")
        parts.append(annotation.features())
    return RiskFeatures(np.concatenate(parts, axis=1), feature_names(columns, annotation=annotation is not None),
                        [model_identity(m) for m in models], both_strands,
                        None if annotation is None else [dict(f) for f in annotation_files])


def _files(entries: Sequence[dict] | None) -> str:
    return ", ".join(f"{f.get('name')} (sha256 {str(f.get('sha256'))[:12]}...)" for f in entries or ()) or "none"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow for large |z|, unlike 1 / (1 + exp(-z))


@dataclass
class RiskClassifier:
    """Standardise + logistic regression over ``feature_names`` (module docstring).

    ``coef``, ``mean``, ``scale``: ``(n_features,)`` float64. ``models``: identities of the task
    models the features came from. ``label_mapping`` and ``cv_metrics`` are provenance.
    """

    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    feature_names: list[str]
    models: list[dict]
    both_strands: bool = False
    c: float = 1.0
    label_mapping: dict = field(default_factory=dict)
    cv_metrics: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # trainer provenance: data file, seed, genebert version
    annotation: dict | None = None  # annotate.risk_annotation.annotation_provenance of the training annotation
    threshold: float = 0.5  # call cut on P(pathogenic): the trainer's CV MCC-maximising cut (0.5 before it existed)

    @property
    def needs_annotation(self) -> bool:
        """Whether the features include the ``annotation.*`` columns (score with ``--annotation``)."""
        return self.annotation is not None

    def check(self, features: RiskFeatures) -> None:
        """``ModelError`` unless ``features`` come from the same task models and scoring settings."""
        want = [{k: m.get(k) for k in IDENTITY_KEYS} for m in self.models]
        got = [{k: m.get(k) for k in IDENTITY_KEYS} for m in features.models]

        def named(ms: list[dict]) -> str:
            return ", ".join(f"{m['name']} {m['version']}" for m in ms) or "no model"

        if [(m["name"], m["version"]) for m in want] != [(m["name"], m["version"]) for m in got]:
            raise ModelError(f"the risk classifier was trained on features from {named(want)}, but these come from "
                             f"{named(got)}: use the same task models (--model), {_RETRAIN}")
        for w, g in zip(want, got):
            if w != g:
                diff = ", ".join(f"{k} {w[k]!r} vs {g[k]!r}" for k in IDENTITY_KEYS if w[k] != g[k])
                raise ModelError(f"risk classifier: task model {w['name']} {w['version']} is used differently "
                                 f"than in training ({diff}; --context-bp/--splice-distance/--tf change the features): "
                                 f"score as in training, {_RETRAIN}")
        for w, g in zip(self.models, features.models):
            pinned, used = _weights_sha256(w), _weights_sha256(g)
            if pinned and used and pinned != used:  # same name and version, other weights: retrained in place
                raise ModelError(f"risk classifier: task model {w['name']} {w['version']} has other weights than in "
                                 f"training (sha256 {used[:12]}... vs {pinned[:12]}... pinned by the classifier): "
                                 f"{_RETRAIN}")
        if self.needs_annotation and features.annotation_files is None:
            raise ModelError("the risk classifier uses a gene annotation (trained with "
                             f"{_files(self.annotation.get('files'))}): pass --annotation BED12 (BED12 transcripts "
                             "of the genome, e.g. SpliceAI's canonical set) or --risk-model none")
        if not self.needs_annotation and features.annotation_files is not None:
            raise ModelError("the risk classifier uses no gene annotation (format_version 1 or trained without "
                             "--annotation): score it without --annotation")
        if features.both_strands != self.both_strands:
            raise ModelError(f"risk classifier: trained with both_strands={self.both_strands}, "
                             f"features made with both_strands={features.both_strands}: score as in training, "
                             f"{_RETRAIN}")
        if list(features.names) != list(self.feature_names):
            raise ModelError("risk classifier: feature names differ from the ones it was trained on")

    def decision_function(self, features: RiskFeatures) -> np.ndarray:
        """Log-odds of class 1 (pathogenic), ``(n_variants,)`` float64."""
        self.check(features)
        x = np.asarray(features.values, dtype=np.float64)
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def predict_proba(self, features: RiskFeatures) -> np.ndarray:
        """P(pathogenic) under the training set's class balance, ``(n_variants,)`` float64 in [0, 1]."""
        return _sigmoid(self.decision_function(features))

    # ---- JSON ---------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "classifier": "standardise + L2 logistic regression: p = sigmoid(((x - mean) / scale) . coef + intercept)",
            "feature_definition": "per task-model output o: delta_o = P_o(ALT window) - P_o(REF window); "
                                  "features = [delta_o for o] + [|delta_o| for o]"
                                  + (" + annotation features (see annotation.definition)" if self.annotation else ""),
            "feature_names": list(self.feature_names),
            "coef": [float(v) for v in self.coef],
            "intercept": float(self.intercept),
            "scaler_mean": [float(v) for v in self.mean],
            "scaler_scale": [float(v) for v in self.scale],
            "C": float(self.c),
            "task_models": self.models,
            "both_strands": bool(self.both_strands),
            "label_mapping": self.label_mapping,
            "cv_metrics": self.cv_metrics,
            "annotation": self.annotation,
            "decision_threshold": float(self.threshold),
            **self.extra,
        }

    @classmethod
    def from_json(cls, data: dict, *, path: str = "<json>") -> RiskClassifier:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelError(f"{path}: not a genebert risk classifier (format {data.get('format')!r})"
                             if isinstance(data, dict) else f"{path}: not a JSON object")
        if data.get("format_version") not in _READABLE_VERSIONS:
            raise ModelError(f"{path}: format_version {data.get('format_version')!r}; this genebert reads "
                             f"{', '.join(map(str, _READABLE_VERSIONS))} (a newer genebert wrote it?)")
        annotation = data.get("annotation") if data["format_version"] >= 2 else None
        if annotation is not None and (not isinstance(annotation, dict)
                                       or list(annotation.get("features", ())) != list(ANNOTATION_FEATURES)):
            raise ModelError(f"{path}: annotation.features must be {list(ANNOTATION_FEATURES)} (another genebert's "
                             "annotation features?)")
        try:
            names = [str(n) for n in data["feature_names"]]
            arrays = [np.asarray(data[k], dtype=np.float64) for k in ("coef", "scaler_mean", "scaler_scale")]
            intercept = float(data["intercept"])
            models = list(data["task_models"])
            threshold = float(data.get("decision_threshold", 0.5))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{path}: malformed risk classifier ({type(exc).__name__}: {exc})") from None
        if any(a.shape != (len(names),) for a in arrays) or not all(np.isfinite(a).all() for a in arrays) \
                or not math.isfinite(intercept) or (arrays[2] <= 0).any() or not 0.0 < threshold < 1.0:
            raise ModelError(f"{path}: coef/scaler_mean/scaler_scale must be {len(names)} finite numbers (scale > 0), "
                             "decision_threshold in (0, 1)")
        return cls(arrays[0], intercept, arrays[1], arrays[2], names, models, bool(data.get("both_strands", False)),
                   float(data.get("C", 1.0)), dict(data.get("label_mapping", {})), dict(data.get("cv_metrics", {})),
                   {k: v for k, v in data.items() if k not in _KEYS}, annotation, threshold)

    def save(self, out_dir: str | os.PathLike) -> Path:
        """Write ``out_dir/risk_classifier.json`` (atomically); returns its path."""
        from genebert_tool.genome.io import atomic_write

        path = Path(out_dir) / CLASSIFIER_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as fh:
            json.dump(self.to_json(), fh, indent=2)
            fh.write("\n")
        return path

    @classmethod
    def from_dir(cls, path: str | os.PathLike) -> RiskClassifier:
        """Load ``path/risk_classifier.json`` (or that file itself); ``ModelError`` if missing or malformed."""
        path = Path(path)
        file = path / CLASSIFIER_FILE if path.is_dir() else path
        if not file.is_file():
            raise ModelError(f"{path}: no {CLASSIFIER_FILE} (a directory written by `genebert finetune-risk`)")
        try:
            data = json.loads(file.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read risk classifier JSON: {exc}", path=str(file)) from None
        return cls.from_json(data, path=str(file))
