"""Shared by the risk tests: a seeded random genome, SNVs on it, labelled VCF rows, a registry of the tiny
task models under the shipped names, and a CLI runner that fails on a traceback."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

__all__ = ["HEADER", "genome_fa", "registry", "_cli", "_labelled_rows", "_snvs", "_write_vcf"]

HEADER = ("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=20000>\n"
          '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="ClinVar clinical significance">\n'
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")


@pytest.fixture(scope="module")
def genome_fa(tmp_path_factory) -> Path:
    rng = np.random.default_rng(7)
    seq = "".join(rng.choice(list("ACGT"), 20_000))
    path = tmp_path_factory.mktemp("genome") / "g.fa"
    path.write_text(">chr1\n" + "\n".join(seq[i : i + 60] for i in range(0, len(seq), 60)) + "\n")
    return path


def _snvs(genome_fa: Path, n: int, seed: int = 0) -> list[tuple[int, str, str, int]]:
    """``n`` SNVs ``(pos1, ref, alt, gc_gain)`` at distinct positions; gc_gain = an A/T -> G/C change."""
    seq = "".join(ln for ln in genome_fa.read_text().splitlines()[1:])
    rng = np.random.default_rng(seed)
    out = []
    for pos0 in sorted(rng.choice(np.arange(200, len(seq) - 200), n, replace=False)):
        ref = seq[pos0]
        alt = str(rng.choice([b for b in "ACGT" if b != ref]))
        out.append((int(pos0) + 1, ref, alt, int(ref in "AT" and alt in "GC")))
    return out


def _write_vcf(path: Path, rows: list[str]) -> Path:
    text = HEADER + "".join(r + "\n" for r in rows)
    if path.suffix == ".gz":
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


def _labelled_rows(snvs, labels) -> list[str]:
    names = {1: "Pathogenic", 0: "Benign"}
    return [f"chr1\t{p}\tv{i}\t{r}\t{a}\t.\t.\tCLNSIG={names[int(y)]}" for i, ((p, r, a, _), y) in
            enumerate(zip(snvs, labels))]


@pytest.fixture(scope="module")
def registry(tmp_path_factory, tiny_models) -> Path:
    """The tiny random task models registered under the shipped default names (copied by register_model)."""
    from genebert_tool.pretrained import register_model
    from genebert_tool.tasks import get_task

    root = tmp_path_factory.mktemp("registry")
    for task, path in tiny_models.items():
        register_model(path, get_task(task).default_model, task, "0-test", root=root)
    return root


def _cli(*args):
    from genebert_tool.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args])
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in text, text
    return result, text
