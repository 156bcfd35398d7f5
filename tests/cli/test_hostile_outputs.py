"""Hostile output prefixes (issue 13 items 1, 8, 9, 12): never write over an input, one run per prefix,
a directory prefix, unwritable places named by their real directory, and inputs checked before models."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from annotate_helpers import gc_models
from genebert_tool.annotate.outputs import PrefixLock, input_stem, resolve_prefix
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
from genebert_tool.errors import InputError


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def piece_vcf(real_data, tmp_path) -> Path:
    """The real ClinVar chr2-piece VCF, copied so a test may try to overwrite it."""
    path = tmp_path / "calls.vcf.gz"
    shutil.copy(real_data / "variants" / "clinvar_20200803.hg38_chr2_piece.vcf.gz", path)
    return path


@pytest.fixture
def peaks_bed(real_data, tmp_path) -> Path:
    src = real_data / "regions" / "encode_rampage_rpeaks.hg38_windows.bed"
    path = tmp_path / "peaks.bed"
    path.write_text("".join(ln for ln in src.read_text().splitlines(keepends=True) if ln.startswith("chr2\t")))
    return path


def test_vcf_output_that_is_the_input_is_refused(piece_vcf, hg38_chr2, private_cache):
    before = _sha(piece_vcf)
    opts = AnnotateOptions(input=str(piece_vcf), output=str(piece_vcf.parent / "calls"), genome=str(hg38_chr2))
    with pytest.raises(InputError, match=r"would overwrite the input .*calls\.vcf\.gz"):
        annotate(opts, models=gc_models(50))
    assert _sha(piece_vcf) == before
    assert sorted(p.name for p in piece_vcf.parent.iterdir() if p.name != "cache") == ["calls.vcf.gz"]


def test_bed_output_that_is_the_input_is_refused_even_through_a_link(peaks_bed, hg38_chr2, tmp_path):
    before = _sha(peaks_bed)
    for prefix in (peaks_bed.with_suffix(""), tmp_path / "sub" / ".." / "peaks"):
        opts = AnnotateOptions(input=str(peaks_bed), output=str(prefix), genome=str(hg38_chr2), tracks=())
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(InputError, match="would overwrite the input"):
            annotate(opts, models=gc_models(50))
    link = tmp_path / "linked.bed"
    os.link(peaks_bed, link)  # another name, the same inode
    opts = AnnotateOptions(input=str(link), output=str(tmp_path / "peaks"), genome=str(hg38_chr2), tracks=())
    with pytest.raises(InputError, match="would overwrite the input"):
        annotate(opts, models=gc_models(50))
    assert _sha(peaks_bed) == before


def test_a_track_output_named_like_the_input_is_refused(peaks_bed, hg38_chr2, tmp_path):
    """The per-output BED6 view ``PREFIX.<column>.bed`` may clash too: checked once the columns are known."""
    target = tmp_path / "run.gc.bed"
    shutil.copy(peaks_bed, target)
    opts = AnnotateOptions(input=str(target), output=str(tmp_path / "run"), genome=str(hg38_chr2))
    with pytest.raises(InputError, match=r"run\.gc\.bed: output would overwrite the input"):
        annotate(opts, models=gc_models(50))  # one model: its columns are gc, at


def test_a_second_run_on_a_locked_prefix_is_refused_and_the_lock_goes_away(peaks_bed, hg38_chr2, tmp_path):
    prefix = tmp_path / "out"
    opts = AnnotateOptions(input=str(peaks_bed), output=str(prefix), genome=str(hg38_chr2), tracks=())
    with PrefixLock(str(prefix)) as held:
        assert held.path.exists()
        with pytest.raises(InputError, match="another genebert run is writing the outputs of prefix .*out"):
            annotate(opts, models=gc_models(50))
        assert not (tmp_path / "out.bed").exists()
    assert not held.path.exists()
    summary = annotate(opts, models=gc_models(50))  # free again
    assert summary.scored == 42 and (tmp_path / "out.bed").exists()
    assert not list(tmp_path.glob(".out*"))


def test_directory_prefix_means_dir_slash_input_stem(peaks_bed, piece_vcf, hg38_chr2, tmp_path, private_cache):
    out = tmp_path / "results"
    out.mkdir()
    for given in (str(out) + "/", str(out)):
        summary = annotate(AnnotateOptions(input=str(peaks_bed), output=given, genome=str(hg38_chr2)),
                           models=gc_models(50))
        assert str(out / "peaks.bed") in summary.outputs
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".")], names
    assert "peaks.bed" in names and "peaks.rejected.tsv" in names
    annotate(AnnotateOptions(input=str(piece_vcf), output=str(out), genome=str(hg38_chr2)), models=gc_models(50))
    assert (out / "calls.vcf.gz").exists()
    with pytest.raises(InputError, match="stdin has no name"):
        resolve_prefix(str(out) + "/", "-")
    assert input_stem("a/peaks.narrowPeak.gz") == "peaks" and input_stem("x.fa") == "x" and input_stem("y") == "y"


def test_unwritable_output_directory_is_named_not_a_temp_file(peaks_bed, hg38_chr2):
    opts = AnnotateOptions(input=str(peaks_bed), output="/proc/genebert-out", genome=str(hg38_chr2), tracks=())
    with pytest.raises(InputError) as err:
        annotate(opts, models=gc_models(50))
    assert "/proc" in str(err.value) and ".tmp" not in str(err.value) and "\n" not in str(err.value)


def test_unwritable_cache_is_named(tmp_path, monkeypatch, real_data):
    from genebert_tool.genome.fasta import Genome

    monkeypatch.setenv("GENEBERT_CACHE", "/proc/genebert-cache")
    with pytest.raises(InputError) as err:  # the plain-gzip chr22 piece needs a decompressed copy in the cache
        Genome(real_data / "genome" / "hg38_chr22_32000000_32300000.fa.gz")
    assert "/proc/genebert-cache" in str(err.value) and ".tmp" not in str(err.value)


def test_missing_input_is_reported_before_anything_loads(tmp_path, hg38_chr2):
    opts = AnnotateOptions(input=str(tmp_path / "nope.bed"), output=str(tmp_path / "o"), genome="/no/genome.fa")
    with pytest.raises(InputError, match=r"nope\.bed: file not found"):
        annotate(opts)  # no models given: it would load the shipped ones if it got that far


def test_every_output_has_ordinary_file_permissions(peaks_bed, piece_vcf, hg38_chr2, tmp_path, private_cache):
    """bigWig and bgzipped VCF outputs used to be mkstemp's 0600 while text outputs were 0644."""
    mask = os.umask(0o022)
    try:
        s1 = annotate(AnnotateOptions(input=str(peaks_bed), output=str(tmp_path / "b"), genome=str(hg38_chr2),
                                      tracks=("bigwig", "bed6", "bedgraph")), models=gc_models(50))
        s2 = annotate(AnnotateOptions(input=str(piece_vcf), output=str(tmp_path / "v"), genome=str(hg38_chr2)),
                      models=gc_models(50))
    finally:
        os.umask(mask)
    outputs = s1.outputs + s2.outputs
    assert any(p.endswith(".bw") for p in outputs) and any(p.endswith(".vcf.gz.tbi") for p in outputs)
    assert {p: oct(os.stat(p).st_mode & 0o777) for p in outputs} == {p: "0o644" for p in outputs}
