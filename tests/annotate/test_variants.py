"""annotate/variants.py: REF/ALT/DELTA and the combined risk of VCF variants, the splice scan distance and
both strands, with stub models on the real hg38 chr2 piece (expected values recomputed from the FASTA)."""

from __future__ import annotations

import numpy as np
import pysam
import pytest

from annotate_helpers import centre_models as _centre_models, gc_fraction, gc_models
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate


def test_vcf_deltas_follow_gc(hg38_chr2, chr2, tmp_path):
    pos = 1000150  # 1-based
    ref = chr2[pos - 1]
    alt = "G" if ref in "AT" else "A"
    vcf = tmp_path / "v.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   f"chr2\t{pos}\tv1\t{ref}\t{alt}\t.\t.\t.\n")
    annotate(AnnotateOptions(input=str(vcf), output=str(tmp_path / "o"), genome=str(hg38_chr2), task="risk"),
             models=gc_models(51))
    rec = next(iter(pysam.VariantFile(str(tmp_path / "o.vcf.gz"))))
    entries = {e.split("|")[1]: e.split("|") for e in rec.info["GENEBERT"]}
    ref_gc = gc_fraction(chr2[pos - 1 - 25 : pos - 1 + 26])
    sign = 1 if alt == "G" else -1
    assert float(entries["tfbs.gc"][2] if "tfbs.gc" in entries else entries["gc"][2]) == pytest.approx(ref_gc, abs=6e-5)
    gc_key = "tfbs.gc" if "tfbs.gc" in entries else "gc"
    assert float(entries[gc_key][4]) == pytest.approx(sign / 51, abs=6e-5)
    # |delta| is 1/51 for both gc and at (= 1 - gc): the risk is the delta of the output it names
    risk_out = rec.info["GENEBERT_RISK_OUTPUT"][0]
    assert abs(rec.info["GENEBERT_RISK"][0]) == pytest.approx(1 / 51, abs=6e-5)
    assert rec.info["GENEBERT_RISK"][0] == pytest.approx(float(entries[risk_out][4]), abs=6e-5)


def test_vcf_splice_distance_keeps_the_largest_change(hg38_chr2, chr2, tmp_path):
    start = 1_792_330  # 0-based; a 12-bp deletion inside MYT1L exon 2
    ref = chr2[start : start + 12]
    alt = ref[0]
    vcf = tmp_path / "d.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   f"chr2\t{start + 1}\tdel\t{ref}\t{alt}\t.\t.\t.\n")
    length, dist = 21, 8
    models = gc_models(40, splice=True)
    models[1].scan_distance = dist
    models[1].window_bp = length
    summary = annotate(AnnotateOptions(input=str(vcf), output=str(tmp_path / "o"), genome=str(hg38_chr2),
                                       task="risk"), models=models)
    assert summary.windows == 2 + 2 * (2 * dist + 1)
    alt_genome = chr2[start - 100 : start] + alt + chr2[start + 12 : start + 100]
    off = 100  # start's index in alt_genome
    deltas, pairs = [], []
    for o in range(-dist, dist + 1):
        c_ref, c_alt = start + 6 + o, off + 0 + o
        r = chr2[c_ref - 10 : c_ref + 11]
        a = alt_genome[c_alt - 10 : c_alt + 11]
        g_r, g_a = np.float32(gc_fraction(r)), np.float32(gc_fraction(a))
        deltas.append(g_a - g_r)
        pairs.append((g_r, g_a))
    i = int(np.argmax(np.abs(deltas)))
    rec = next(iter(pysam.VariantFile(str(tmp_path / "o.vcf.gz"))))
    donor = next(e.split("|") for e in rec.info["GENEBERT"] if e.split("|")[1] == "splice.donor")
    assert float(donor[2]) == pytest.approx(pairs[i][0], abs=6e-5)
    assert float(donor[4]) == pytest.approx(deltas[i], abs=6e-5)
    assert any(r.key == "genebert_model" and "ScanDistance=8" in str(r) for r in pysam.VariantFile(
        str(tmp_path / "o.vcf.gz")).header.records)


def test_vcf_both_strands_keeps_the_larger_change(hg38_chr2, chr2, tmp_path):
    # find two positions whose REF is G: G>A changes 'A' on the forward strand, G>T on the reverse one
    positions = [p for p in range(1_000_000, 1_000_400) if chr2[p] == "G"][:2]
    vcf = tmp_path / "s.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   f"chr2\t{positions[0] + 1}\tga\tG\tA\t.\t.\t.\nchr2\t{positions[1] + 1}\tgt\tG\tT\t.\t.\t.\n")
    for both, expected in ((False, [1.0, 0.0]), (True, [1.0, 1.0])):
        out = tmp_path / f"o{int(both)}"
        annotate(AnnotateOptions(input=str(vcf), output=str(out), genome=str(hg38_chr2), task="risk",
                                 both_strands=both), models=_centre_models(21, per_position=False))
        got = []
        for rec in pysam.VariantFile(f"{out}.vcf.gz"):
            entry = next(e.split("|") for e in rec.info["GENEBERT"] if e.split("|")[1] == "centre_a")
            got.append(float(entry[4]))
        assert got == expected
