"""VCF writer: records pass through, INFO appended, header lines inserted, bgzip + tabix, atomic."""

from __future__ import annotations

import pysam
import pytest

from genebert_tool.writers.vcf import VcfWriter, info_safe

HEADER = ("##fileformat=VCFv4.2\n##contig=<ID=chr2,length=1000>\n"
          '##INFO=<ID=DP,Number=1,Type=Integer,Description="depth">\n'
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n")
EXTRA = ['##INFO=<ID=GB,Number=.,Type=String,Description="x">', '##INFO=<ID=GR,Number=A,Type=Float,Description="y">',
         '##genebert=<Version="0">']
RECORDS = ["chr2\t10\trs1\tA\tC,G\t50\tPASS\tDP=3\tGT\t0/1\n", "chr2\t20\t.\tT\t<DEL>\t.\t.\t.\tGT\t1/1\n"]


@pytest.mark.parametrize("name", ["o.vcf.gz", "o.vcf"])
def test_pass_through_with_info(tmp_path, name):
    path = tmp_path / name
    with VcfWriter(path, HEADER, EXTRA) as w:
        w.write(RECORDS[0], [("GB", "C|x|0.1|0.2|0.1,G|x|0.1|0.3|0.2"), ("GR", "0.1,0.2")])
        w.write(RECORDS[1], [("GB", ""), ("GSKIP", None)])
    vf = pysam.VariantFile(str(path))
    assert "GB" in vf.header.info and "GR" in vf.header.info
    assert any(r.key == "genebert" for r in vf.header.records)
    recs = list(vf)
    assert [r.pos for r in recs] == [10, 20]
    assert recs[0].info["DP"] == 3 and recs[0].info["GR"] == pytest.approx((0.1, 0.2))
    assert recs[0].samples["S1"]["GT"] == (0, 1) and recs[0].id == "rs1"
    assert "GB" not in recs[1].info
    if name.endswith(".gz"):
        assert (tmp_path / (name + ".tbi")).exists()
        assert len(list(pysam.TabixFile(str(path)).fetch("chr2", 15, 25))) == 1


def test_unsorted_input_is_written_but_not_indexed(tmp_path):
    path = tmp_path / "u.vcf.gz"
    w = VcfWriter(path, HEADER, EXTRA)
    w.write(RECORDS[1], [])
    w.write(RECORDS[0], [])
    w.close()
    assert w.index_error is not None and path.exists() and not (tmp_path / "u.vcf.gz.tbi").exists()
    assert len(list(pysam.VariantFile(str(path)))) == 2


def test_abort_and_bad_header(tmp_path):
    path = tmp_path / "a.vcf.gz"
    with pytest.raises(RuntimeError):
        with VcfWriter(path, HEADER, EXTRA) as w:
            w.write(RECORDS[0], [])
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="#CHROM"):
        VcfWriter(tmp_path / "b.vcf", "##fileformat=VCFv4.2\n", [])
    with pytest.raises(ValueError, match="##"):
        VcfWriter(tmp_path / "c.vcf", HEADER, ["#bad"])
    assert list(tmp_path.iterdir()) == []


def test_info_safe():
    assert info_safe("a;b=c,d e") == "a_b_c_d_e"
