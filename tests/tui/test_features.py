"""tui/features.py: BED/narrowPeak/GTF feature tracks and annotated VCFs as the browser reads them
(columns, scores, GENEBERT deltas and skips, annotate's scored-BED header, unreadable files)."""

from __future__ import annotations

import pysam
import pytest

from genebert_tool.errors import InputError
from genebert_tool.tui.data import FeatureView, TrackSet, open_track
from genebert_tool.tui.locus import Locus
from tui_helpers import CHR1_LEN, track_set  # noqa: F401  (track_set: a fixture)


def test_features_overlap_find_and_columns(track_set):
    views = track_set.view(Locus("chr1", 140, 160), 20)
    bed = next(v for v in views if isinstance(v, FeatureView) and v.track == "a.bed")
    assert [i.name for i in bed.items] == ["geneA", "geneB"]
    gene_b = track_set.find("GENEB")
    assert (gene_b.chrom, gene_b.start, gene_b.end, gene_b.score, gene_b.strand) == ("chr1", 150, 400, 9.5, "-")
    assert dict(gene_b.columns)["strand"] == "-"
    assert track_set.tracks[2].skipped == 1  # the broken line is left out, not fatal
    peak = track_set.find("peak1")
    assert dict(peak.columns)["signalValue"] == "12.5" and peak.score == 800.0


def test_variants_carry_genebert_deltas_and_skips(track_set):
    rs1 = track_set.find("rs1")
    assert (rs1.chrom, rs1.start, rs1.end) == ("chr1", 149, 150)
    assert [(d.allele, d.output, d.delta) for d in rs1.deltas] == [
        ("G", "promoter", 0.3), ("T", "promoter", -0.45), ("G", "tfbs", 0.0)
    ]
    assert rs1.score == -0.45  # the delta of largest magnitude, with its sign
    deletion = next(i for i in track_set.items() if i.start == 3000)
    assert deletion.skips == (("<DEL>", "symbolic_allele"),) and deletion.score is None
    assert ("skipped <DEL>", "symbolic_allele") in deletion.columns


def test_variant_score_prefers_genebert_risk(tmp_path):
    header = pysam.VariantHeader()
    header.contigs.add("chr1", length=CHR1_LEN)
    header.add_line('##INFO=<ID=GENEBERT,Number=.,Type=String,Description="ALLELE|OUTPUT|REF|ALT|DELTA">')
    header.add_line('##INFO=<ID=GENEBERT_RISK,Number=A,Type=Float,Description="risk">')
    path = tmp_path / "risk.vcf"
    with pysam.VariantFile(str(path), "w", header=header) as out:
        rec = out.new_record(contig="chr1", start=10, alleles=("A", "G"), id="tie")
        rec.info["GENEBERT"] = ("G|gc|0.4|0.42|0.02", "G|at|0.6|0.58|-0.02")
        rec.info["GENEBERT_RISK"] = (-0.02,)
        out.write(rec)
    [item] = TrackSet([open_track(path)]).items()
    assert item.score == pytest.approx(-0.02)
    assert dict(item.columns)["GENEBERT_RISK"] == "-0.02"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.bw", None, "no such file"),
        ("garbage.bw", b"not a bigwig at all", "not a bigWig"),
        ("empty.bed", b"", "no"),
        ("notes.txt", b"hello", "unknown track type"),
        ("bad.vcf", b"this is not a VCF\n", "VCF"),
    ],
)
def test_unreadable_files_raise_input_error(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        open_track(path)


def test_real_gene_names(real_data):
    tracks = TrackSet([open_track(real_data / "regions" / "gencode_v24_genes.hg38_windows.bed")])
    # Column 4 of the real GENCODE windows BED; 0-based half-open as written in the file.
    assert tracks.find_locus("MYT1L") == Locus("chr2", 1_789_112, 2_331_260)
    assert tracks.find_locus("tpo") == Locus("chr2", 1_374_222, 1_543_711)
    assert tracks.find_locus("PXDN") == Locus("chr2", 1_631_886, 1_744_852)


def test_scored_bed_from_annotate_uses_its_header(tmp_path):
    """``genebert annotate``'s PREFIX.bed: comment lines, a ``#chrom ...`` header, the input
    columns (here BED3 + colN) and one column per output; the score is the largest output."""
    path = tmp_path / "scored.bed"
    path.write_text(
        "# genebert 0.1.0 annotate\n# model: genebert-promoter\n"
        "#chrom\tstart\tend\tcol4\tpromoter\ttfbs_CTCF\n"
        "chr1\t100\t300\tx\t0.25\t0.75\n"
        "chr1\t400\t500\ty\t0.5\tNA\n"
    )
    tracks = TrackSet([open_track(path)])
    first, second = tracks.items()
    assert first.name == "chr1:101-300"  # no name column: the locus (1-based) names it
    assert (first.score, second.score) == (0.75, 0.5)
    assert dict(first.columns) == {"chrom": "chr1", "start": "100", "end": "300", "col4": "x",
                                   "promoter": "0.25", "tfbs_CTCF": "0.75"}


def test_gtf_genes_are_named_by_gene_name(tmp_path):
    path = tmp_path / "genes.gtf"
    path.write_text(
        "#!genome-build GRCh38\n"
        'chr2\tHAVANA\tgene\t1789113\t2331260\t.\t-\t.\tgene_id "ENSG00000186487.17"; gene_name "MYT1L";\n'
        'chr2\tHAVANA\texon\t1789113\t1790000\t.\t-\t.\tgene_id "ENSG00000186487.17"; gene_name "MYT1L";\n'
        'chr2\tHAVANA\tgene\t1374223\t1543711\t.\t+\t.\tgene_id "ENSG00000115705.20"; gene_name "TPO";\n'
    )
    tracks = TrackSet([open_track(path)])
    assert len(tracks.items()) == 2  # genes only: the exon line is left out
    myt1l = tracks.find("MYT1L")
    # GTF is 1-based inclusive: start 1,789,113 is 0-based 1,789,112, the same as the BED.
    assert (myt1l.start, myt1l.end, myt1l.strand) == (1_789_112, 2_331_260, "-")
    assert dict(myt1l.columns)["gene_id"] == "ENSG00000186487.17"


def test_background_fpr_columns_are_not_scores(tmp_path):
    """annotate's <output>.bgfpr columns sit beside the probabilities; the browser never takes them
    for a score (an FPR of 0.9 is a weak call, not a strong one)."""
    from genebert_tool.tui.features import FeatureTrack

    path = tmp_path / "scored.bed"
    path.write_text("#chrom\tstart\tend\tpromoter\tpromoter.bgfpr\nchr2\t100\t200\t0.2000\t0.9\n")
    (item,) = [i for items in FeatureTrack(path).index.by_chrom.values() for i in items]
    assert item.score == 0.2 and item.score_of == "promoter"
