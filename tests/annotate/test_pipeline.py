"""annotate/pipeline.py: a failed run leaves no outputs; --max-records counts records read, rejects
included; a streaming run's chunks never change what is written."""

from __future__ import annotations

import pytest

from annotate_helpers import gc_models, read_table as _read_table
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate, chunked
from genebert_tool.errors import InputError


def test_failed_run_leaves_no_outputs(hg38_chr2, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t100\t200\nchr2\t300\tbad\n")
    opts = AnnotateOptions(input=str(bed), output=str(tmp_path / "x"), genome=str(hg38_chr2), task="tfbs",
                           strict=True, chunk_windows=1)
    with pytest.raises(InputError, match=r"r\.bed:2"):
        annotate(opts, models=gc_models(20))
    assert list(tmp_path.iterdir()) == [bed]  # no temp files, no partial outputs


def test_max_records_and_rejects(hg38_chr2, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t100\t200\nchrUn\t1\t5\nchr2\t5\t1\n2\t300\t400\nchr2\t500\t600\n")
    opts = AnnotateOptions(input=str(bed), output=str(tmp_path / "m"), genome=str(hg38_chr2), task="tfbs",
                           max_records=4)  # records read, rejected ones included (as for VCF)
    summary = annotate(opts, models=gc_models(20))
    assert summary.records == 4 and summary.scored == 2 and len(summary.rejects) == 2
    _, rows = _read_table(tmp_path / "m.bed")
    assert [r[0] for r in rows] == ["chr2", "2"]  # input columns kept verbatim ("2" resolved to chr2)
    rejected = (tmp_path / "m.rejected.tsv").read_text().splitlines()[1:]
    assert [r.split("\t")[1] for r in rejected] == ["2", "3"]


def test_chunked_keeps_order_and_cuts_as_soon_as_the_budget_is_reached():
    items = [3, 1, 1, 5, 2, 2, 2]
    chunks = list(chunked(items, 4, lambda x: x))
    assert chunks == [[3, 1], [1, 5], [2, 2], [2]]  # items whole, in order; the last chunk may be short
    assert all(sum(c) >= 4 > sum(c[:-1]) for c in chunks[:-1])


def test_chunk_size_does_not_change_the_outputs(hg38_chr2, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("".join(f"chr2\t{s}\t{s + 90}\tr{s}\n" for s in range(500_000, 520_000, 500)))
    texts = []
    for chunk in (1, 7, 4096):
        annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / f"c{chunk}"), genome=str(hg38_chr2),
                                 task="tfbs", chunk_windows=chunk), models=gc_models(30))
        texts.append([(tmp_path / f"c{chunk}{s}").read_bytes() for s in (".bed", ".gc.bed", ".gc.bw")])
    assert texts[0] == texts[1] == texts[2]
