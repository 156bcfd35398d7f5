"""The side table and detail panel, the layout at several terminal sizes, more file types, export
and the no-terminal error (issue 14 items 2, 4, 6, 9, 11, 12, 13)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from genebert_tool.tui.app import BrowserApp
from genebert_tool.tui.locus import Locus
from genebert_tool.tui.trackwidget import TrackWidget
from genebert_tool.tui.widgets import DetailPanel, ItemTable, Ruler
from tui_helpers import write_bed, write_bigwig  # tests/ is on pytest's pythonpath
from tui_helpers import loaded, screen_lines

pytestmark = pytest.mark.anyio

VCF = """##fileformat=VCFv4.2
##contig=<ID=chr1,length=10000>
##INFO=<ID=GENEBERT,Number=.,Type=String,Description="ALLELE|OUTPUT|REF|ALT|DELTA">
##INFO=<ID=GENEBERT_RISK,Number=A,Type=Float,Description="risk">
##INFO=<ID=GENEBERT_RISK_OUTPUT,Number=A,Type=String,Description="output">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO
chr1\t100\tsmall_gain\tA\tG\t.\tPASS\tGENEBERT=G|donor|0.1|0.3|0.2;GENEBERT_RISK=0.2;GENEBERT_RISK_OUTPUT=donor
chr1\t200\tbig_loss\tA\tG,<DEL>\t.\tPASS\tGENEBERT=G|donor|0.99|0.04|-0.95;GENEBERT_RISK=-0.9472,.;GENEBERT_RISK_OUTPUT=donor,.
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_dot_score_is_no_score(real_data):
    """Item 2: MYT1L_PE's score is '.', not its thickStart, and it sorts after scored rows."""
    app = BrowserApp([real_data / "genome" / "hg38_MYT1L_MANE_AND_PE.bed"], locus="MYT1L_PE")
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(app, pilot)
        pe = app.track_set.find("MYT1L_PE")
        assert pe.score is None and dict(pe.columns)["thickStart"] == "1860161"
        table = app.browser.query_one(ItemTable)
        await pilot.press("t", "s")
        assert table.shown[-1] is pe and str(table.get_row_at(1)[1]) == "."
        assert "1.86e+06" not in "\n".join(screen_lines(app))


async def test_missing_values_show_as_dots_and_variants_sort_by_abs_delta(tmp_path):
    """Items 4 and 11: '.' not None; |Δ| sorting; the score's source; 1-based starts."""
    vcf = tmp_path / "v.vcf"
    vcf.write_text(VCF)
    scored = tmp_path / "s.bed"
    scored.write_text("#chrom\tstart\tend\tname\tdonor\tacceptor\nchr1\t999\t1100\tr1\t0.3\t0.5\n")
    app = BrowserApp([vcf, scored], locus="big_loss")
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(app, pilot)
        panel = str(app.browser.query_one(DetailPanel).render())
        assert "GENEBERT_RISK: -0.9472,." in panel and "None" not in panel
        assert "donor (GENEBERT_RISK)" in panel
        table = app.browser.query_one(ItemTable)
        await pilot.press("t", "s")
        assert [i.name for i in table.shown] == ["big_loss", "r1", "small_gain"]
        assert table.shown[1].score_of == "acceptor (max of 2 outputs)"
        assert "of" in [str(c.label) for c in table.columns.values()]
        table.move_to(table.shown[1])
        await pilot.pause()
        panel = str(app.browser.query_one(DetailPanel).render())
        assert "start: 1,000 (1-based; 999 in the file)" in panel and "chr1:1,000-1,100" in panel


@pytest.mark.parametrize("size, side", [((60, 20), False), ((100, 30), True), ((220, 60), True)])
async def test_layout_fits_the_terminal(tmp_path, size, side):
    """Item 6: no side panel below 100 columns, a wider one on wide terminals, loci never cut."""
    bed = tmp_path / "a.bed"
    bed.write_text("chr22\t32100000\t32100100\tfar_gene\t5\t+\n")
    app = BrowserApp([write_bigwig(tmp_path / "s.bw"), bed], locus="far_gene")
    async with app.run_test(size=size) as pilot:
        await loaded(app, pilot)
        panel = app.browser.query_one("#side")
        assert panel.display is side
        assert app.browser.n_cols >= (size[0] - 10) // 2  # the tracks keep at least half
        text = "\n".join(screen_lines(app))
        if side:
            assert "chr22:32,100,001" in text
            assert panel.size.width >= (60 if size[0] >= 200 else 39)
        await pilot.press("b")
        assert panel.display is not side


async def test_panel_width_track_heights_grouped_scale_and_a_fixed_ruler(tmp_path):
    import pyBigWig

    paths = []
    for name, value in (("run.donor.bw", 0.9), ("run.acceptor.bw", 0.3)):
        bw = pyBigWig.open(str(tmp_path / name), "w")
        bw.addHeader([("chr1", 10_000)], maxZooms=10)
        bw.addEntries(["chr1"], [0], ends=[10_000], values=[value])
        bw.close()
        paths.append(tmp_path / name)
    app = BrowserApp(paths + [write_bed(tmp_path / "a.bed")] * 1, locus="chr1:1-1,000")
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(app, pilot)
        screen = app.browser
        side = screen.query_one("#side")
        before = side.size.width
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert side.size.width == before + 4
        donor, acceptor, bed = screen.track_widgets
        assert (acceptor.view.low, acceptor.view.high) == (0.0, pytest.approx(0.3))
        await pilot.press("y")
        assert acceptor.view.high == pytest.approx(0.9) and acceptor.view.grouped
        await pilot.press("j", "right_curly_bracket", "right_curly_bracket")
        await pilot.pause()
        assert donor.size.height + 1 == donor.rows == 9 and acceptor.rows == 7
        # Scroll the stack to the bottom: the ruler is still on screen, above the tracks.
        screen.query_one("#tracks").scroll_end(animate=False)
        await pilot.pause()
        assert screen.query_one("#tracks").scroll_y > 0
        ruler = screen.query_one(Ruler)
        assert "1,000bp" in screen_lines(app)[ruler.region.y]


async def test_bedgraph_and_gtf_tracks(tmp_path):
    """Item 9: a bedGraph is a signal track; a GTF's transcripts carry their exons."""
    bedgraph = tmp_path / "run.donor.bedGraph"
    bedgraph.write_text("track type=bedGraph\nchr1\t0\t100\t0.1\nchr1\t100\t101\t0.9\nchr1\t101\t300\t0.2\n")
    gtf = tmp_path / "tx.gtf"
    gtf.write_text(
        'chr1\tx\texon\t11\t50\t.\t+\t.\tgene_id "G1"; transcript_id "T1"; gene_name "ABC";\n'
        'chr1\tx\texon\t151\t200\t.\t+\t.\tgene_id "G1"; transcript_id "T1"; gene_name "ABC";\n')
    app = BrowserApp([bedgraph, gtf], locus="chr1:1-300")
    async with app.run_test(size=(110, 24)) as pilot:
        await loaded(app, pilot)
        signal, feature = app.browser.track_widgets
        assert signal.kind == "signal" and signal.view.stat == "max"
        assert max(signal.view.values) == pytest.approx(0.9)
        [tx] = app.track_set.items()
        assert tx.name == "ABC T1" and tx.blocks == ((10, 50), (150, 200))
        assert "─" in "\n".join(screen_lines(app))


async def test_export_and_screenshot_go_to_the_save_dir(tmp_path, monkeypatch):
    """Item 12: no ~/Downloads needed; ``e`` writes the view's items as TSV; paths are reported."""
    monkeypatch.setenv("HOME", str(tmp_path / "home-without-downloads"))
    save = tmp_path / "shots" / "new"  # created on demand
    app = BrowserApp([write_bed(tmp_path / "a.bed")], locus="chr1:101-400", save_dir=save)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(app, pilot)
        await pilot.press("e", "S")
        [command] = [c for c in app.get_system_commands(app.screen) if c.title == "Screenshot"]
        assert str(save) in command.help
        tsv, svg = app.saved
        assert tsv == save / "genebert-view_chr1_101-400.tsv" and svg.suffix == ".svg" and svg.exists()
        rows = [line.split("\t") for line in tsv.read_text().splitlines()[2:]]
        assert [(r[2], r[4], r[5]) for r in rows] == [("geneA", "101", "200"), ("geneB", "151", "400")]
        assert app.errors == []


def test_no_tty_is_a_clear_error(tmp_path):
    """Item 13: without a terminal, exit non-zero at once with a message (not run forever)."""
    bed = write_bed(tmp_path / "a.bed")
    result = subprocess.run([sys.executable, "-m", "genebert_tool.cli", "browse", str(bed)], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "needs an interactive terminal" in result.stderr and "\x1b[" not in result.stdout
