"""VCF INFO GENEBERT_MOTIF: JASPAR motifs a variant creates or destroys (annotate.motif_effects).

Every expected score is recomputed here by brute force from the PWM (all windows overlapping the
allele, both strands, N = 0), independently of motifs.scan; the real-data check mutates the best
JASPAR CTCF hit of a real A549 CTCF ChIP peak (chr22 train region) and expects CTCF destroyed.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pysam
import pytest

from annotate_helpers import gc_models
from genebert_tool.annotate.motif_effects import MotifEffects, score_threshold
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
from genebert_tool.formats import schema
from genebert_tool.genome.fasta import Genome
from genebert_tool.motifs.jaspar import load_motifs

TEST_REGION_START = 38_000_000  # chr22 >= this is never read
_IDX = {b: i for i, b in enumerate("ACGT")}


def _window_score(pwm: np.ndarray, window: str) -> float:
    return float(sum(pwm[j, _IDX[b]] for j, b in enumerate(window) if b in _IDX))


def _direct_best(pwm: np.ndarray, seq: str, lo: int, hi: int) -> float:
    """Best score of ``pwm`` on either strand over windows of ``seq`` overlapping ``[lo, hi)``."""
    rc = pwm[::-1, ::-1]
    L = pwm.shape[0]
    best = -np.inf
    for p in range(0, len(seq) - L + 1):
        if p < hi and p + L > lo:
            w = seq[p : p + L]
            best = max(best, _window_score(pwm, w), _window_score(rc, w))
    return best


def _direct(effects: MotifEffects, genome: Genome, chrom: str, start: int, ref: str, alt: str):
    f = effects.flank
    left = genome.fetch(chrom, start - f, start)
    right = genome.fetch(chrom, start + len(ref), start + len(ref) + f)
    assert genome.fetch(chrom, start, start + len(ref)) == ref
    r = [_direct_best(p, left + ref + right, f, f + len(ref)) for p in effects.motifs.pwms]
    a = [_direct_best(p, left + alt + right, f, f + len(alt)) for p in effects.motifs.pwms]
    return np.array(r), np.array(a)


def test_score_threshold_is_the_exact_pvalue_cut():
    rng = np.random.default_rng(3)
    pwm = np.rint(rng.normal(0, 1.5, (6, 4)) * 100) / 100  # on the 0.01-bit grid: the DP is exact
    scores = np.array([sum(pwm[j, b] for j, b in enumerate(w)) for w in itertools.product(range(4), repeat=6)])
    for p in (1e-3, 1e-2, 0.1):
        t = score_threshold(pwm, p)
        assert np.mean(scores >= t - 1e-9) <= p
        assert np.mean(scores >= t - 0.01 - 1e-9) > p  # one grid step lower is too lenient
    assert score_threshold(pwm, 1e-9) > scores.max()  # no window that rare: above the best score


def test_schema_round_trip():
    entry = schema.MotifEntry("T", "MA0139.1_CTCF", 15.234, -0.004)
    text = schema.format_motif_entry(entry)
    assert text == "T|MA0139.1_CTCF|15.23|0.00"
    back = list(schema.parse_motif_entries([text, "bad|entry"]))
    assert back == [schema.MotifEntry("T", "MA0139.1_CTCF", 15.23, 0.0)] and back[0].change == "destroyed"


@pytest.fixture(scope="module")
def chr22(real_data):
    genome = Genome(real_data / "genome" / "hg38_chr22.fa.gz")
    yield genome
    genome.close()


def test_scores_equal_a_direct_pwm_computation_snv_mnv_indels(chr22):
    effects = MotifEffects.load(["CTCF", "SP1", "MA0473.2", "Gfi1"])  # 19, 11, 14 and 10 bp motifs
    rng = np.random.default_rng(7)
    variants = []
    for kind in ("snv", "snv", "mnv", "ins", "del", "ins", "del"):
        start = int(rng.integers(20_000_000, 30_000_000))
        base = chr22.fetch("chr22", start, start + 8)
        if "N" in base:
            continue
        if kind == "snv":
            ref, alt = base[0], "ACGT"[("ACGT".index(base[0]) + 1) % 4]
        elif kind == "mnv":
            ref, alt = base[:3], "".join("ACGT"[("ACGT".index(b) + 2) % 4] for b in base[:3])
        elif kind == "ins":
            ref, alt = base[0], base[0] + "GGGCGGGGC"  # an SP1-like insertion
        else:
            ref, alt = base[:6], base[0]
        variants.append(SimpleNamespace(chrom="chr22", start=start, ref=ref, alt=alt))
    flanks = [chr22.fetch(*r) for r in effects.requests(variants)]
    ref, alt = effects.best_scores(variants, flanks)
    for i, v in enumerate(variants):
        want_ref, want_alt = _direct(effects, chr22, v.chrom, v.start, v.ref, v.alt)
        assert ref[i] == pytest.approx(want_ref, abs=1e-4), v
        assert alt[i] == pytest.approx(want_alt, abs=1e-4), v


def _ctcf_destroying_snv(real_data, chr22, ctcf: MotifEffects):
    """An SNV at the most informative base of the best CTCF hit of a real A549 CTCF peak (train region)
    that brings every CTCF window over it below the threshold (direct computation): the strongest peak
    where one SNV can (a hit of 18 bits survives any single SNV, the largest column range being 6.9 bits)."""
    pwm = ctcf.motifs.pwms[0]
    thr = float(ctcf.thresholds[0])
    peaks = []
    for line in (real_data / "chip" / "encode_dream.A549.CTCF.hg38_chr22.narrowPeak").read_text().splitlines():
        f = line.split("\t")
        peaks.append((float(f[6]), f[0], int(f[1]), int(f[9])))
    for _, chrom, start, summit in sorted(peaks, reverse=True)[:200]:
        centre = start + summit
        assert centre + 200 < TEST_REGION_START
        seq = chr22.fetch(chrom, centre - 100, centre + 100)
        best = (-np.inf, 0, "+")
        for p in range(len(seq) - pwm.shape[0] + 1):
            for strand, m in (("+", pwm), ("-", pwm[::-1, ::-1])):
                s = _window_score(m, seq[p : p + pwm.shape[0]])
                if s > best[0]:
                    best = (s, p, strand)
        score, p, strand = best
        if score < thr + 2:
            continue
        m = pwm if strand == "+" else pwm[::-1, ::-1]
        j = int(np.argmax(m.max(axis=1) - m.min(axis=1)))  # most informative column of the hit
        pos = centre - 100 + p + j
        ref = chr22.fetch(chrom, pos, pos + 1)
        alt = "ACGT"[int(np.argmin(m[j]))]
        want_ref, want_alt = _direct(ctcf, chr22, chrom, pos, ref, alt)
        if want_ref[0] >= thr > want_alt[0] and want_ref[0] - want_alt[0] >= 2:
            return chrom, pos, ref, alt, score
    pytest.fail("no CTCF hit a single SNV destroys in the top 200 A549 CTCF peaks")


def _vcf(path, rows):
    path.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr22>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                    + "".join(f"chr22\t{pos + 1}\t{name}\t{ref}\t{alt}\t.\t.\t.\n" for name, pos, ref, alt in rows))


def test_snv_in_a_real_ctcf_peak_destroys_ctcf(real_data, chr22, tmp_path):
    fa = real_data / "genome" / "hg38_chr22.fa.gz"
    ctcf = MotifEffects.load(["MA0139.1"])
    chrom, pos, ref, alt, hit_score = _ctcf_destroying_snv(real_data, chr22, ctcf)
    ins_pos = pos + 40
    ins_ref = chr22.fetch(chrom, ins_pos, ins_pos + 1)
    del_ref = chr22.fetch(chrom, pos - 1, pos + 3)  # deletes the mutated base and two more
    rows = [("del", pos - 1, del_ref, del_ref[0]), ("ctcf_snv", pos, ref, alt),
            ("ins", ins_pos, ins_ref, ins_ref + "ACGT")]
    vcf = tmp_path / "v.vcf"
    _vcf(vcf, rows)
    annotate(AnnotateOptions(input=str(vcf), output=str(tmp_path / "o"), genome=str(fa), task="risk"),
             models=gc_models(51))
    out = pysam.VariantFile(str(tmp_path / "o.vcf.gz"))
    assert out.header.info[schema.INFO_MOTIF].number == "." and out.header.info[schema.INFO_MOTIF].type == "String"
    desc = out.header.info[schema.INFO_MOTIF].description
    assert "p=0.0001" in desc and ">= 2 bits" in desc and "20 flanking" in desc
    records = {r.id: r for r in out}
    entries = {e.motif: e for e in schema.parse_motif_entries(records["ctcf_snv"].info[schema.INFO_MOTIF])}
    assert "MA0139.1_CTCF" in entries, entries
    e = entries["MA0139.1_CTCF"]
    assert e.allele == alt and e.change == "destroyed"
    want_ref, want_alt = _direct(ctcf, chr22, chrom, pos, ref, alt)
    assert e.ref == pytest.approx(want_ref[0], abs=0.006) and e.alt == pytest.approx(want_alt[0], abs=0.006)
    assert e.ref >= hit_score - 0.006 and e.alt < ctcf.thresholds[0] <= e.ref
    # every listed entry of every record (indels too) obeys the rule against a direct computation
    full = MotifEffects.load()
    for name, p, r, a in rows:
        listed = list(schema.parse_motif_entries(records[name].info.get(schema.INFO_MOTIF, ())))
        want_ref, want_alt = _direct(full, chr22, chrom, p, r, a) if name != "ctcf_snv" else (None, None)
        for m in listed:
            assert abs(m.alt - m.ref) >= 2 - 0.01
            if want_ref is not None:
                k = full.columns.index(m.motif)
                assert (m.ref, m.alt) == (pytest.approx(want_ref[k], abs=0.006), pytest.approx(want_alt[k], abs=0.006))
                assert (want_ref[k] >= full.thresholds[k]) != (want_alt[k] >= full.thresholds[k])
        if want_ref is not None:  # and every motif the rule selects is listed
            crossed = ((want_ref >= full.thresholds) != (want_alt >= full.thresholds)) & (
                np.abs(want_alt - want_ref) >= 2)
            assert {m.motif for m in listed} == {full.columns[k] for k in np.flatnonzero(crossed)}

    # the browser reads the field through the schema
    from genebert_tool.tui.features import VariantTrack

    item = next(i for i in VariantTrack(tmp_path / "o.vcf.gz").index if i.name == "ctcf_snv")
    cols = dict(item.columns)
    assert cols[f"motif MA0139.1_CTCF {alt}"].startswith("destroyed")
    assert schema.INFO_MOTIF not in cols


def test_motifs_none_switches_it_off_and_unknown_names_fail(real_data, chr22, tmp_path):
    fa = real_data / "genome" / "hg38_chr22.fa.gz"
    ctcf = MotifEffects.load(["MA0139.1"])
    chrom, pos, ref, alt, _ = _ctcf_destroying_snv(real_data, chr22, ctcf)
    vcf = tmp_path / "v.vcf"
    _vcf(vcf, [("ctcf_snv", pos, ref, alt)])
    annotate(AnnotateOptions(input=str(vcf), output=str(tmp_path / "off"), genome=str(fa), task="risk",
                             motifs="none"), models=gc_models(51))
    out = pysam.VariantFile(str(tmp_path / "off.vcf.gz"))
    assert schema.INFO_MOTIF not in out.header.info
    assert all(schema.INFO_MOTIF not in r.info for r in out)
    # a restricted set; a stricter min delta than the CTCF change drops it
    annotate(AnnotateOptions(input=str(vcf), output=str(tmp_path / "ctcf"), genome=str(fa), task="risk",
                             motifs="CTCF"), models=gc_models(51))
    rec = next(iter(pysam.VariantFile(str(tmp_path / "ctcf.vcf.gz"))))
    (entry,) = schema.parse_motif_entries(rec.info[schema.INFO_MOTIF])
    annotate(AnnotateOptions(input=str(vcf), output=str(tmp_path / "strict"), genome=str(fa), task="risk",
                             motifs="CTCF", motif_min_delta=entry.ref - entry.alt + 0.1), models=gc_models(51))
    assert schema.INFO_MOTIF not in next(iter(pysam.VariantFile(str(tmp_path / "strict.vcf.gz")))).info
    from genebert_tool.errors import GeneBertError

    with pytest.raises(GeneBertError, match="--motifs"):
        annotate(AnnotateOptions(input=str(vcf), output=str(tmp_path / "bad"), genome=str(fa), task="risk",
                                 motifs="NOT_A_TF"), models=gc_models(51))
