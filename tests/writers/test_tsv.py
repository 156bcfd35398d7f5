"""writers/tsv.py: the table writer (atomic: nothing left after an error) and the cell format."""

from __future__ import annotations

import numpy as np
import pytest

from genebert_tool.writers.tsv import TsvWriter, format_value


def test_tsv_atomic(tmp_path):
    path = tmp_path / "t.tsv"
    with pytest.raises(KeyError):
        with TsvWriter(path, ["name", "v"]) as w:
            w.write_row(("a", 0.5))
            raise KeyError("boom")
    assert list(tmp_path.iterdir()) == []
    with TsvWriter(path, ["name", "v"], comments=["c"]) as w:
        w.write_row(("a", 0.5))
    assert path.read_text() == "#c\nname\tv\na\t0.5000\n"


def test_format_value():
    assert format_value(-1e-9) == "0.0000"
    assert format_value(float("nan")) == "."
    assert format_value(np.float64(1 / 3)) == "0.3333"
    assert format_value(7) == "7" and format_value("x") == "x"
