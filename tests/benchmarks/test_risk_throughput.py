"""``benchmarks/risk_throughput.py``: the summary line it parses, the test-region guard, the motif counts."""

from __future__ import annotations

import pytest

from benchmarks import risk_throughput as rt


def test_summary_line_is_parsed():
    line = ("genebert annotate: c.vcf.gz (vcf, task risk): 200 records read, 200 scored; 201 ALT alleles read, "
            "199 scored, 2 rejected; 1200 model windows in 6.6 s (30.4 records/s)")
    m = rt._SUMMARY.search(line)
    assert (int(m[1]), int(m[2]), int(m[3]), float(m[4])) == (201, 199, 1200, 6.6)


def _vcf(path, rows):
    path.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr22>\n"
                    '##INFO=<ID=GENEBERT_MOTIF,Number=.,Type=String,Description="x">\n'
                    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + "".join(rows))
    return path


def test_test_region_is_refused_and_motif_counts(tmp_path):
    ok = _vcf(tmp_path / "a.vcf", ["chr22\t100\t.\tA\tG\t.\t.\tGENEBERT_MOTIF=G|MA0139.1_CTCF|12.00|3.00,G|MA1|1.00|9.00\n",
                                   "chr22\t200\t.\tA\tAT,C\t.\t.\tGENEBERT_MOTIF=C|MA2|1.00|9.00\n"])
    assert rt.check_train_region(ok) == 2
    stats = rt.motif_field_stats(ok)
    assert stats["snv"] == {"n": 2, "with_any": 2, "median": 1.5, "mean": 1.5}
    assert stats["other"]["n"] == 1 and stats["other"]["with_any"] == 0 and stats["alts_with_ctcf"] == 1
    bad = _vcf(tmp_path / "b.vcf", ["chr22\t38000001\t.\tA\tG\t.\t.\t.\n"])
    with pytest.raises(SystemExit, match="test region"):
        rt.check_train_region(bad)
