"""Helpers for the browser's tests: small track files written at test time, what is on the screen, and
waiting for the loaders."""

from __future__ import annotations

from pathlib import Path

import pyBigWig
import pysam
import pytest

from genebert_tool.tui.data import TrackSet, open_track


def screen_lines(app) -> list[str]:
    """The text of every terminal row, as the user sees it (after Textual composited the
    widgets, so a widget too short for its content shows only what fits)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def loaded(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


CHR1_LEN = 10_000


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
