"""Truth readers: TSSs, narrowPeak summits and SpliceAI-convention splice sites from BED12."""

from __future__ import annotations

import pytest

from genebert_tool.errors import InputError
from genebert_tool.genome.annotation import Transcript, read_summits, read_transcripts, read_tss, splice_sites


def _tx(strand):
    return Transcript("chrT", 100, 400, "t", strand, ((100, 150), (200, 250), (300, 400)))


def test_plus_strand_sites():
    donors, acceptors = splice_sites(_tx("+"))
    assert donors == [149, 249]  # last exon base before each intron
    assert acceptors == [200, 300]  # first exon base after each intron


def test_minus_strand_sites_follow_transcript_orientation():
    donors, acceptors = splice_sites(_tx("-"))
    assert donors == [200, 300]  # right to left: the donor is the exon base right of each intron
    assert acceptors == [149, 249]


def test_bed12_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.bed"
    bad.write_text("chr1\t100\t400\tt\t0\t+\n")
    with pytest.raises(InputError, match=r"bad\.bed:1: BED12 needed"):
        read_transcripts(bad)
    overlap = tmp_path / "overlap.bed"
    overlap.write_text("chr1\t100\t400\tt\t0\t+\t100\t100\t0\t2\t100,250,\t0,50,\n")
    with pytest.raises(InputError, match=r"overlap\.bed:1: exon blocks overlap"):
        read_transcripts(overlap)
    empty = tmp_path / "empty.bed"
    empty.write_text("")
    with pytest.raises(InputError, match="empty BED"):
        read_tss(empty)


def test_summits_use_column_10(tmp_path):
    path = tmp_path / "p.narrowPeak"
    path.write_text("chr1\t100\t300\t.\t0\t.\t1\t-1\t1\t50\nchr1\t100\t300\t.\t0\t.\t1\t-1\t1\t-1\n")
    assert read_summits(path)["chr1"].tolist() == [150, 200]
    path.write_text("chr1\t100\t300\t.\t0\t.\t1\t-1\t1\t250\n")
    with pytest.raises(InputError, match="p.narrowPeak:1: summit offset 250 outside"):
        read_summits(path)


def test_real_canonical_sites_are_gt_ag(real_data):
    from genebert_tool.genome.fasta import Genome
    from genebert_tool.genome.sequences import reverse_complement

    genome = Genome(real_data / "genome" / "hg38_chr2_1-2333275.fa.gz")
    transcripts = read_transcripts(real_data / "annotation" / "spliceai_canonical_gencode24.hg38_chr2_piece.bed")
    gt = ag = n = 0
    for tx in transcripts:
        donors, acceptors = splice_sites(tx)
        for d, a in zip(donors, acceptors):
            n += 1
            if tx.strand == "+":
                gt += genome.fetch("chr2", d + 1, d + 3) == "GT"
                ag += genome.fetch("chr2", a - 2, a) == "AG"
            else:
                gt += reverse_complement(genome.fetch("chr2", d - 2, d)) == "GT"
                ag += reverse_complement(genome.fetch("chr2", a + 1, a + 3)) == "AG"
    assert n == 104 and gt == n and ag == n  # SOURCES.md 8i: 104 introns, 100 % GT-AG
