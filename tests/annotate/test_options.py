"""annotate/options.py: the shared options and summary, and the import structure around them (no circle,
no transformers in the pipeline); ``pipeline.chunked``, the one batching rule."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from genebert_tool.annotate.options import AnnotateOptions, output_prefix, rejects_path
from genebert_tool.annotate.pipeline import chunked

ANNOTATE = Path(__file__).resolve().parents[2] / "genebert_tool" / "annotate"


def _imports(path: Path) -> set[str]:
    """Every genebert_tool module a file imports, at any depth (lazy imports included)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_no_annotate_module_imports_the_pipeline_back():
    for path in ANNOTATE.glob("*.py"):
        if path.name == "pipeline.py":
            continue
        assert "genebert_tool.annotate.pipeline" not in _imports(path), path.name
    assert not any(m.startswith("genebert_tool.annotate.") and m.split(".")[2] in ("pipeline", "regions", "variants")
                   for m in _imports(ANNOTATE / "options.py"))


def test_pipeline_does_not_import_transformers():
    mods = _imports(ANNOTATE / "pipeline.py")
    assert not any(m.split(".")[0] in ("transformers", "torch") for m in mods)
    code = ("import sys, genebert_tool.annotate.pipeline as p; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('transformers', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_chunked_budget_order_and_oversized_items():
    items = [1, 1, 5, 1, 1, 1, 2]
    chunks = list(chunked(items, 3, lambda x: x))
    assert chunks == [[1, 1, 5], [1, 1, 1], [2]]
    assert [x for c in chunks for x in c] == items
    assert list(chunked([], 3, len)) == []
    assert list(chunked([0, 0], 1, lambda x: x)) == [[0, 0]]  # zero-cost items gather until the end


def test_output_prefix_and_rejects_path():
    assert output_prefix("out.vcf.gz") == "out" and output_prefix("a.bed") == "a" and output_prefix(".bed") == ".bed"
    assert rejects_path(AnnotateOptions(input="x.bed", output="dir/run.bed")) == "dir/run.rejected.tsv"
    assert rejects_path(AnnotateOptions(input="x.vcf", output="-")) is None
