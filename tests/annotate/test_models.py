"""Output selection, --tf filtering and column naming (no model weights needed)."""

from __future__ import annotations

import pytest

from annotate_helpers import GcPredictor
from genebert_tool.annotate.models import ScoringModel, default_models, filter_tfs, name_columns, select_outputs
from genebert_tool.errors import InputError


def test_select_outputs_drops_the_background_class():
    assert select_outputs(["non_promoter", "promoter"], multi_label=False) == [1]
    assert select_outputs(["neither", "donor", "acceptor"], multi_label=False) == [1, 2]
    assert select_outputs(["0", "1"], multi_label=False) == [1]
    assert select_outputs(["unbound_x", "bound_x"], multi_label=False) == [1]  # two classes, no known name
    assert select_outputs(["a", "b", "c"], multi_label=False) == [0, 1, 2]
    assert select_outputs(["neither", "x"], multi_label=True) == [0, 1]


def test_filter_tfs():
    outs = ["MA0139.1_CTCF", "MA0491.1_JUND", "MA0079.3_SP1"]
    assert filter_tfs(outs, [0, 1, 2], ["ctcf", "MA0079.3"], "m") == [0, 2]
    with pytest.raises(InputError, match="MA0139.1_CTCF, MA0491.1_JUND"):
        filter_tfs(outs, [0, 1], ["FOXA1"], "m")


def _model(task, outputs, name=None):
    p = GcPredictor(10, task, tuple(outputs))
    return ScoringModel(predictor=p, name=name or p.model_name, version="0", task=task,
                        keep=list(range(len(outputs))), outputs=list(outputs), window_bp=10)


def test_column_names():
    one = [_model("tfbs", ["MA0139.1_CTCF", "a b"])]
    name_columns(one)
    assert one[0].columns == ["MA0139.1_CTCF", "a_b"]
    several = [_model("promoter", ["promoter"]), _model("splice", ["donor", "acceptor"]),
               _model("tfbs", ["x"], "m1"), _model("tfbs", ["x"], "m2")]
    name_columns(several)
    assert [c for m in several for c in m.columns] == ["promoter", "splice.donor", "splice.acceptor", "m1.x", "m2.x"]


def test_default_models():
    assert default_models("tfbs") == ["genebert-tfbs-genome"]
    assert default_models("risk") == default_models("all") == ["genebert-promoter-genome", "genebert-tfbs-genome",
                                                               "genebert-splice-genome"]
    with pytest.raises(ValueError):
        default_models("enhancer")
