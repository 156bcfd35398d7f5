"""``genome/gene_annotation.py``: splice-site bases and exons of BED12 transcripts, the distance rule
on both strands, merged files, ``.gz``, and every bad line as an ``InputError`` naming file and line."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from genebert_tool.errors import InputError
from genebert_tool.genome.gene_annotation import NO_TRANSCRIPTS_DISTANCE, changed_span, read_gene_annotation


def _line(chrom, strand, exons, name="tx"):
    start, end = exons[0][0], exons[-1][1]
    sizes = ",".join(str(b - a) for a, b in exons) + ","
    starts = ",".join(str(a - start) for a, _ in exons) + ","
    return f"{chrom}\t{start}\t{end}\t{name}\t0\t{strand}\t{start}\t{end}\t0\t{len(exons)}\t{sizes}\t{starts}"


def _bed(path, *lines):
    path.write_text("".join(ln + "\n" for ln in lines))
    return path


def test_plus_strand_sites_and_distances(tmp_path):
    ann = read_gene_annotation(_bed(tmp_path / "p.bed", _line("chr1", "+", [(100, 200), (300, 400), (500, 600)])))
    # donors 199, 399 (last exon base), acceptors 300, 500 (first exon base); 100 and 599 are outer ends
    assert ann.sites["chr1"].tolist() == [199, 300, 399, 500]
    assert ann.exons["chr1"].tolist() == [[100, 200], [300, 400], [500, 600]]
    d = ann.splice_distance
    assert d("chr1", 199, 200) == 0 and d("chr1", 200, 201) == 1 and d("chr1", 198, 199) == 1
    assert d("chr1", 250, 251) == 50 and d("chr1", 251, 253) == 48  # 2-base change: its last base is 48 away
    assert d("chr1", 10, 11) == 189 and d("chr1", 100, 101) == 99  # the transcript start is no splice site
    assert d("chr1", 195, 305) == 0  # a deletion over the whole intron covers both sites
    assert d("chr1", 5000, 5001) == 4500
    assert ann.in_exon("chr1", 150, 151) and not ann.in_exon("chr1", 250, 251)
    assert ann.in_exon("chr1", 199, 201) and not ann.in_exon("chr1", 99, 100) and not ann.in_exon("chr1", 600, 601)


def test_minus_strand_gives_the_same_bases_with_roles_swapped(tmp_path):
    ann = read_gene_annotation(_bed(tmp_path / "m.bed", _line("chr1", "-", [(100, 200), (300, 400)])))
    # minus strand: donor = first exon base right of the intron (300), acceptor = last base left of it (199)
    assert ann.sites["chr1"].tolist() == [199, 300]
    assert ann.splice_distance("chr1", 250, 251) == 50 and ann.splice_distance("chr1", 301, 302) == 1


def test_single_exon_contig_missing_contig_and_chr_names(tmp_path):
    ann = read_gene_annotation(_bed(tmp_path / "s.bed", _line("chr2", "+", [(100, 900)]),
                                    _line("chr1", "+", [(10, 20), (30, 40)])))
    assert ann.splice_distance("chr2", 500, 501) == NO_TRANSCRIPTS_DISTANCE  # transcripts but no intron
    assert ann.in_exon("chr2", 500, 501)
    assert ann.splice_distance("chr9", 5, 6) is None and not ann.in_exon("chr9", 5, 6)
    assert ann.splice_distance("1", 21, 22) == 2 and ann.resolve("1") == "chr1"  # one normalize_chrom


def test_files_merge_gz_reads_and_sources_record_sha256(tmp_path):
    plain = _bed(tmp_path / "a.bed", _line("chr1", "+", [(100, 200), (300, 400)]))
    gz = tmp_path / "b.bed.gz"
    with gzip.open(gz, "wt") as fh:
        fh.write(_line("chr1", "-", [(150, 250), (500, 600)]) + "\n" + _line("chr2", "+", [(1, 5), (9, 12)]) + "\n")
    ann = read_gene_annotation([plain, gz])
    assert ann.sites["chr1"].tolist() == [199, 249, 300, 500] and ann.sites["chr2"].tolist() == [4, 9]
    assert ann.exons["chr1"].tolist() == [[100, 250], [300, 400], [500, 600]]  # overlapping exons merged
    assert [(s.name, s.n_transcripts) for s in ann.sources] == [(plain.name, 1), (gz.name, 2)]
    assert ann.sources[1].sha256 == hashlib.sha256(gz.read_bytes()).hexdigest()


def test_changed_span_drops_the_vcf_padding_base():
    assert changed_span(199, "A", "G") == (199, 200)
    assert changed_span(199, "AT", "A") == (200, 201)  # deletion of the T after the padding A
    assert changed_span(199, "ATG", "A") == (200, 202)
    assert changed_span(199, "A", "AT") == (199, 200)  # insertion: REF is the padding base itself
    assert changed_span(199, "AC", "GT") == (199, 201)  # MNV without a shared first base


@pytest.mark.parametrize("line,message", [
    ("chr1\t100\t400\tt\t0\t+", "BED12 needed for exon structure, got 6 columns"),
    ("chr1\t100\t400\tt\t0\t+\t100\t100\t0\t2\t100,\t0,200,", "blockCount 2 does not match 1 sizes / 2 starts"),
    ("chr1\t100\t400\tt\t0\t+\t100\t100\t0\t2\t100,100,\t0,x,", "blockCount/blockSizes/blockStarts are not integers"),
    ("chr1\t100\t400\tt\t0\t+\t100\t100\t0\tII\t100,100,\t0,200,", "blockCount/blockSizes/blockStarts are not integers"),
    ("chr1\t100\t400\tt\t0\t+\t100\t100\t0\t2\t100,150,\t0,200,", "block 2 (300-450) lies outside the transcript"),
    ("chr1\t100\t400\tt\t0\t+\t100\t100\t0\t2\t100,100,\t-50,200,", "block 1 (50-150) lies outside"),
    ("chr1\t100\t400\tt\t0\t+\t100\t100\t0\t2\t100,0,\t0,300,", "block 2: blockSize 0 is not positive"),
    ("chr1\t100\t400\tt\t0\t+\t100\t100\t0\t2\t100,250,\t0,50,", "exon blocks overlap"),
    ("chr1\t100\t400\tt\t0\t+\t100\t100\t0\t2\t100,100,\t0,150,", "first/last block does not reach"),
    ("chr1\t100\t400\tt\t0\t.\t100\t100\t0\t2\t100,100,\t0,200,", "transcript strand must be + or -, got '.'"),
    ("chr1\tx\t400\tt\t0\t+\t100\t100\t0\t2\t100,100,\t0,200,", "start is not an integer"),
])
def test_bad_lines_name_file_and_line(tmp_path, line, message):
    path = _bed(tmp_path / "bad.bed", "# a comment", _line("chr1", "+", [(10, 20), (30, 40)]), line)
    with pytest.raises(InputError) as info:
        read_gene_annotation(path)
    assert f"bad.bed:3: {message}" in str(info.value), str(info.value)


def test_empty_file_is_an_error(tmp_path):
    with pytest.raises(InputError, match="empty.bed.*no records"):
        read_gene_annotation(_bed(tmp_path / "empty.bed", "# nothing"))


def test_real_canonical_annotation_of_both_pieces(real_data):
    ann = read_gene_annotation([real_data / "annotation/spliceai_canonical_gencode24.hg38_chr22.bed",
                                real_data / "annotation/spliceai_canonical_gencode24.hg38_chr2_piece.bed"])
    assert [s.n_transcripts for s in ann.sources] == [298, 9] and set(ann.contigs) == {"chr22", "chr2"}
    assert len(ann.sites["chr2"]) == 2 * 104  # SOURCES.md 8i: 104 introns on the chr2 piece
    ensembl = read_gene_annotation(real_data / "annotation/ensembl111_transcripts.hg38_chr22.bed")  # BED12+3
    assert ensembl.sources[0].n_transcripts == 3493 and len(ensembl.sites["chr22"]) > len(ann.sites["chr22"])
