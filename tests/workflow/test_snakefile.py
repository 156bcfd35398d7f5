"""workflow/Snakefile: `snakemake --cores 2` over two shards of real input gives the bytes of one
`genebert annotate` run (headers included), with the default promoter model (genebert-promoter-genome).
The one thing that may differ: bigWig values in the last bits of float32 (a piece batches fewer windows,
and CPU matmuls round with the batch shape); tables and VCFs carry 4 decimals and are compared byte for byte.

BED: the GENCODE v24 TSSs of the hg38 chr2 piece (67 rows). VCF (slow): ClinVar records of chr22
20-30 Mb (train region; no sequence at or past 38 Mb is read), spanning the shard boundary at 25.4 Mb.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARGS = "--task promoter --tracks bigwig,bedgraph,bed6"


def _snakemake() -> str:
    exe = BIN / "snakemake"
    if not exe.exists() and not shutil.which("snakemake"):
        pytest.skip("snakemake is not installed (pip install -e .[workflow])")
    return str(exe if exe.exists() else shutil.which("snakemake"))


def _env() -> dict[str, str]:
    return dict(os.environ, OMP_NUM_THREADS="1", TRANSFORMERS_VERBOSITY="error",
                PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", XDG_CACHE_HOME=os.environ.get("XDG_CACHE_HOME", "/tmp"))


def _run_workflow(tmp: Path, inp: Path, genome: Path | None, shards: int = 2, scatter: str = "shard",
                  args: str = ARGS) -> Path:
    cfg = tmp / "config.yaml"
    cfg.write_text(f'input: "{inp}"\ngenome: {json.dumps(str(genome)) if genome else "null"}\n'
                   f'outdir: "{tmp / "results"}"\nname: "out"\n'
                   f'scatter: "{scatter}"\nshards: {shards}\nannotate_args: "{args}"\n'
                   f'genebert: "{BIN / "genebert"}"\nthreads: 1\n')
    result = subprocess.run([_snakemake(), "-s", str(REPO / "workflow" / "Snakefile"), "--configfile", str(cfg),
                             "--cores", "2", "--directory", str(tmp), "--quiet"],
                            capture_output=True, text=True, env=_env(), timeout=600)
    logs = "".join(p.read_text() for p in sorted((tmp / "results" / "logs").glob("*.log"))) \
        if (tmp / "results" / "logs").is_dir() else ""
    assert result.returncode == 0, result.stderr[-3000:] + logs[-3000:]
    return tmp / "results" / "out"


def _one_run(tmp: Path, inp: Path, genome: Path | None, args: str = ARGS) -> Path:
    prefix = tmp / "whole" / "out"
    prefix.parent.mkdir()
    where = ["--genome", str(genome)] if genome else []
    result = subprocess.run([str(BIN / "genebert"), "annotate", str(inp), *where, *args.split(),
                             "-q", "-o", str(prefix)], capture_output=True, text=True, env=_env(), timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return prefix


def _same_bigwig(a: Path, b: Path) -> bool:
    """Same chromosomes and intervals, values equal to float32 rounding: the model's CPU matmuls round
    differently with another batch composition (a piece batches fewer windows than the whole run)."""
    import numpy as np
    import pyBigWig

    x, y = pyBigWig.open(str(a)), pyBigWig.open(str(b))
    try:
        if list(x.chroms().items()) != list(y.chroms().items()):
            return False
        for chrom in x.chroms():
            ix, iy = x.intervals(chrom) or (), y.intervals(chrom) or ()
            if [i[:2] for i in ix] != [i[:2] for i in iy]:
                return False
            if not np.allclose([i[2] for i in ix], [i[2] for i in iy], rtol=1e-5, atol=1e-6):
                return False
        return True
    finally:
        x.close()
        y.close()


def _assert_same_bytes(whole: Path, gathered: Path) -> list[str]:
    """Every file the same bytes; bigWigs, when not, the same intervals to float32 rounding."""
    names = sorted(p.name for p in whole.parent.iterdir() if not p.name.startswith("."))
    assert names == sorted(p.name for p in gathered.parent.iterdir() if p.is_file() and not p.name.startswith("."))
    for name in names:
        a, b = whole.parent / name, gathered.parent / name
        if a.read_bytes() != b.read_bytes():
            assert name.endswith(".bw") and _same_bigwig(a, b), name
    return names


def test_two_shards_of_a_real_bed_gather_to_the_bytes_of_one_run(real_data, hg38_chr2, tmp_path):
    bed = real_data / "annotation" / "gencode_v24_tss.hg38_chr2_piece.bed"
    gathered = _run_workflow(tmp_path, bed, hg38_chr2)
    pieces = [tmp_path / "results" / "pieces" / f"shard{k}of2" / "out.bed" for k in (1, 2)]
    rows = [sum(1 for ln in p.read_text().splitlines() if not ln.startswith("#")) for p in pieces]
    assert all(rows) and sum(rows) == 67  # both shards had work
    names = _assert_same_bytes(_one_run(tmp_path, bed, hg38_chr2), gathered)
    assert {"out.bed", "out.promoter.bw", "out.promoter.bedGraph", "out.promoter.bed", "out.rejected.tsv"} <= set(names)
    assert "shard=1/2" in pieces[0].read_text() and "shard=" not in gathered.with_suffix(".bed").read_text()


@pytest.mark.slow
def test_two_shards_of_real_clinvar_records_gather_to_the_bytes_of_one_run(real_data, tmp_path):
    genome = real_data / "genome" / "hg38_chr22.fa.gz"
    source = real_data / "variants" / "clinvar_20200803.hg38_chr22.vcf.gz"
    vcf = tmp_path / "clinvar_chr22_20_30mb.vcf"
    with gzip.open(source, "rt") as fh:
        lines = [ln for ln in fh if ln.startswith("#") or 20_000_000 < int(ln.split("\t", 2)[1]) < 30_000_000]
    vcf.write_text("".join(lines))
    gathered = _run_workflow(tmp_path, vcf, genome)
    counts = []
    for k in (1, 2):
        with gzip.open(tmp_path / "results" / "pieces" / f"shard{k}of2" / "out.vcf.gz", "rt") as fh:
            counts.append(sum(1 for ln in fh if not ln.startswith("#")))
    assert all(counts)  # records on both sides of the shard boundary
    names = _assert_same_bytes(_one_run(tmp_path, vcf, genome), gathered)
    assert {"out.vcf.gz", "out.vcf.gz.tbi", "out.rejected.tsv"} <= set(names)


@pytest.mark.slow
def test_fasta_records_scattered_by_contig_gather_to_the_bytes_of_one_run(hg38_chr2, tmp_path):
    import pysam

    with pysam.FastaFile(str(hg38_chr2)) as fa:  # three real 1.2-kb stretches of the chr2 piece as records
        records = [(f"seq{i}", fa.fetch("chr2", s, s + 1200)) for i, s in enumerate((300_000, 900_000, 1_650_000))]
    fasta = tmp_path / "seqs.fa"
    fasta.write_text("".join(f">{name}\n{seq}\n" for name, seq in records))
    args = "--task promoter --tile 100 --tracks bigwig,bed6"
    gathered = _run_workflow(tmp_path, fasta, None, scatter="contig", args=args)
    assert sorted(p.name for p in (tmp_path / "results" / "pieces").iterdir()) == ["seq0", "seq1", "seq2"]
    names = _assert_same_bytes(_one_run(tmp_path, fasta, None, args), gathered)
    assert {"out.tsv", "out.promoter.bw", "out.rejected.tsv"} <= set(names)
