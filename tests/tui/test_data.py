"""The browser's data layer: tracks for a locus at a resolution, without Textual or torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyBigWig
import pysam
import pytest

from genebert_tool.errors import InputError
from genebert_tool.tui.data import (
    FeatureView,
    SequenceView,
    SignalTrack,
    SignalView,
    TrackSet,
    open_track,
    parse_genebert_info,
)
from genebert_tool.tui.locus import POINT_WIDTH, Locus

CHR1_LEN = 10_000


# ---- fixture files, written at test time ------------------------------------------------------


def write_bigwig(path: Path) -> Path:
    """chr1: 1.0 on [0, 1000), 3.0 on [1000, 2000), nothing after; chr2 (5000 bp): 7.0 on [0, 100)."""
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader([("chr1", CHR1_LEN), ("chr2", 5_000)], maxZooms=10)
    bw.addEntries(["chr1", "chr1"], [0, 1000], ends=[1000, 2000], values=[1.0, 3.0])
    bw.addEntries(["chr2"], [0], ends=[100], values=[7.0])
    bw.close()
    return path


def write_bed(path: Path) -> Path:
    path.write_text(
        "track name=test\n"
        "chr1\t100\t200\tgeneA\t5\t+\n"
        "chr1\t150\t400\tgeneB\t9.5\t-\n"
        "chr1\t5000\t5100\tgeneC\t1\t+\n"
        "chr1\tnot_a_number\t10\tbroken\t0\t+\n"
        "chr2\t10\t20\tgeneD\t2\t.\n"
    )
    return path


def write_narrowpeak(path: Path) -> Path:
    path.write_text("chr1\t1000\t1200\tpeak1\t800\t.\t12.5\t8.1\t6.0\t100\n")
    return path


def write_vcf(path: Path) -> Path:
    header = pysam.VariantHeader()
    header.contigs.add("chr1", length=CHR1_LEN)
    header.add_line('##INFO=<ID=GENEBERT,Number=.,Type=String,Description="ALLELE|OUTPUT|REF|ALT|DELTA">')
    header.add_line('##INFO=<ID=END,Number=1,Type=Integer,Description="End position">')
    header.add_line('##INFO=<ID=GENEBERT_SKIP,Number=.,Type=String,Description="ALLELE|REASON">')
    with pysam.VariantFile(str(path), "w", header=header) as out:
        rec = out.new_record(contig="chr1", start=149, alleles=("A", "G", "T"), id="rs1")
        rec.info["GENEBERT"] = ("G|promoter|0.2|0.5|0.3", "T|promoter|0.2|0.1|-0.45", "G|tfbs|0.1|0.1|0")
        out.write(rec)
        rec = out.new_record(contig="chr1", start=3000, stop=3001, alleles=("C", "<DEL>"))
        rec.info["GENEBERT_SKIP"] = ("<DEL>|symbolic_allele",)
        out.write(rec)
    return path


def write_fasta(path: Path) -> Path:
    seq = ("ACGT" * (CHR1_LEN // 4 + 1))[:CHR1_LEN]
    path.write_text(">chr1\n" + "\n".join(seq[i : i + 60] for i in range(0, CHR1_LEN, 60)) + "\n")
    return path


@pytest.fixture
def track_set(tmp_path: Path) -> TrackSet:
    tracks = TrackSet()
    for path in (write_fasta(tmp_path / "ref.fa"), write_bigwig(tmp_path / "s.bw"), write_bed(tmp_path / "a.bed"),
                 write_narrowpeak(tmp_path / "p.narrowPeak"), write_vcf(tmp_path / "v.vcf")):
        tracks.add(open_track(path))
    return tracks


# ---- tests ------------------------------------------------------------------------------------


def test_data_layer_imports_neither_textual_nor_torch():
    code = (
        "import sys; import genebert_tool.tui.data, genebert_tool.tui.locus; "
        "bad = [m for m in ('textual', 'torch') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_signal_bins_are_means_per_column(tmp_path):
    track = SignalTrack(write_bigwig(tmp_path / "s.bw"))
    view = track.signal(Locus("chr1", 0, 4000), 4)
    assert view.values == (1.0, 3.0, None, None)
    assert (view.low, view.high) == (0.0, 3.0)
    # A bin that straddles the step averages over the covered bases.
    assert track.signal(Locus("chr1", 500, 1500), 1).values == (2.0,)


def test_signal_past_contig_end_and_unknown_contig(tmp_path):
    track = SignalTrack(write_bigwig(tmp_path / "s.bw"))
    # chr2 is 5,000 bp long: the right half of this view has no bases at all.
    view = track.signal(Locus("chr2", 0, 10_000), 4)
    assert view.values[0] == pytest.approx(7.0 * 100 / 100) and view.values[2:] == (None, None)
    assert track.signal(Locus("chrX", 0, 100), 3).values == (None, None, None)
    assert track.signal(Locus("2", 0, 100), 1).values == (7.0,)  # name normalised


def test_signal_is_read_per_view_through_zoom_levels(tmp_path):
    """Only bw.stats(..., nBins=n_cols) is called - never values()/intervals() over the view."""
    track = SignalTrack(write_bigwig(tmp_path / "s.bw"))
    calls = []

    class Spy:
        def __init__(self, bw):
            self._bw = bw

        def __getattr__(self, name):
            attr = getattr(self._bw, name)

            def record(*args, **kwargs):
                calls.append((name, args, kwargs))
                return attr(*args, **kwargs)

            return record

    track._bw = Spy(track._bw)
    track.signal(Locus("chr1", 0, CHR1_LEN), 120)
    assert [c[0] for c in calls] == ["stats"]
    assert calls[0][2] == {"type": "mean", "nBins": 120}


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


def test_parse_genebert_info_tolerates_missing_numbers():
    [entry] = parse_genebert_info(["A|promoter|.|0.5|."])
    assert (entry.ref, entry.alt, entry.delta) == (None, 0.5, None)
    assert list(parse_genebert_info(["garbage"])) == []


def test_sequence_only_at_base_level(track_set):
    base = track_set.view(Locus("chr1", 4, 12), 8)
    assert next(v for v in base if isinstance(v, SequenceView)).sequence == "ACGTACGT"
    zoomed_out = track_set.view(Locus("chr1", 0, 1000), 80)
    assert next(v for v in zoomed_out if isinstance(v, SequenceView)).sequence is None
    kinds = [type(v) for v in base]
    assert kinds == [SequenceView, SignalView, FeatureView, FeatureView, FeatureView]


def test_next_and_previous_item_by_start(track_set):
    # Starts: geneA 100, rs1 149, geneB 150, peak1 1000, <DEL> 3000, geneC 5000, then chr2's geneD.
    view = Locus("chr1", 0, 100)  # centre 50
    assert track_set.next_item(view).name == "geneA"
    order, item = [], None
    for _ in range(7):
        item = track_set.next_item(view, after=item)
        order.append(item.name)
    assert order == ["geneA", "rs1", "geneB", "peak1", "chr1:3001C><DEL>", "geneC", "geneD"]
    assert track_set.next_item(view, after=item) is None
    back = [track_set.next_item(view, reverse=True, after=i).name for i in (item, track_set.find("geneB"))]
    assert back == ["geneC", "rs1"]
    # Without an anchor the centre of the view (300) decides.
    assert track_set.next_item(Locus("chr1", 200, 400)).name == "peak1"
    assert track_set.next_item(Locus("chr1", 200, 400), reverse=True).name == "geneB"
    # Within one track only.
    assert track_set.next_item(view, track="v.vcf").name == "rs1"
    assert track_set.next_item(view, after=track_set.find("rs1"), track="v.vcf").start == 3000


def test_item_locus_small_items_get_a_point_window(track_set):
    rs1 = track_set.find("rs1")
    assert rs1.locus() == Locus("chr1", 149 - POINT_WIDTH // 2, 149 - POINT_WIDTH // 2 + POINT_WIDTH)
    assert track_set.find("geneB").locus() == Locus("chr1", 150, 400)


def test_contigs_merge_lengths_from_all_tracks(track_set):
    assert track_set.contigs == {"chr1": CHR1_LEN, "chr2": 5_000}


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
