"""Moving around in the browser: next/previous feature, stale state, history, counts, zoom limit,
gene-name prefixes, clicks, and empty or short files (issue 14 items 7, 10, 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from genebert_tool.tui.app import BrowserApp
from genebert_tool.tui.locus import MIN_WIDTH, Locus
from genebert_tool.tui.trackwidget import TrackWidget
from genebert_tool.tui.widgets import DetailPanel, LocusBox
from tui_helpers import write_bed, write_bigwig, write_fasta, write_vcf  # tests/ is on pytest's pythonpath
from tui_helpers import loaded, screen_lines

pytestmark = pytest.mark.anyio
SIZE = (120, 36)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _message(app) -> str:
    return str(app.browser.query_one("#message").render())


async def _goto(pilot, text: str) -> None:
    await pilot.press("g")
    pilot.app.browser.query_one(LocusBox).value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_next_previous_by_start_keep_the_zoom(tmp_path):
    """Item 7: n/p visit items by start (geneA 100, rs1 149, geneB 150, <DEL> 3000, geneC 5000,
    chr2's geneD), centred at the current width; N/P stay in the selected track; the end says so."""
    app = BrowserApp([write_bed(tmp_path / "a.bed"), write_vcf(tmp_path / "v.vcf")], locus="chr1:1-60")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        screen = app.browser
        seen = []
        for _ in range(6):
            await pilot.press("n")
            assert screen.locus.width == 60  # the zoom is kept
            item = screen.anchor
            centre = (item.start + item.end) // 2
            assert screen.locus.start <= centre < screen.locus.end
            seen.append(item.name)
        assert seen == ["geneA", "rs1", "geneB", "chr1:3001C><DEL>", "geneC", "geneD"]
        await pilot.press("n")
        assert "no next feature" in _message(app) and screen.anchor.name == "geneD"
        await pilot.press("p", "p")
        assert screen.anchor.name == "chr1:3001C><DEL>"
        # Within the selected track: j selects a.bed, k wraps round to v.vcf.
        await pilot.press("j", "k")
        assert screen.selected.track_name == "v.vcf"
        await pilot.press("P")
        assert screen.anchor.name == "rs1"
        await pilot.press("P")
        assert "no previous feature in v.vcf" in _message(app)


async def test_typed_locus_replaces_the_detail_and_escape_restores_the_box(tmp_path):
    """Item 10: after a typed locus the panel describes what is there, not the old item; an
    aborted edit leaves the current locus in the box."""
    app = BrowserApp([write_bed(tmp_path / "a.bed")], locus="geneB")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        panel = app.browser.query_one(DetailPanel)
        assert panel.item.name == "geneB"
        await _goto(pilot, "chr1:5,001-5,200")
        assert panel.item.name == "geneC"
        await _goto(pilot, "chr1:7,001-8,000")  # nothing there
        assert panel.item is None
        box = app.browser.query_one(LocusBox)
        await pilot.press("g", "ctrl+a", "ctrl+k", "c", "h", "r", "9")
        assert box.value == "chr9"
        await pilot.press("escape")
        assert box.value == "chr1:7,001-8,000" and app.browser.locus == Locus("chr1", 7000, 8000)


async def test_pans_coalesce_counts_zoom_limit_and_prefixes(tmp_path):
    """Item 14: a run of pans is one history entry; counts of 7+ digits work; + at 20 bp says so;
    a name prefix lists the matches (one match goes there)."""
    genes = tmp_path / "genes.bed"
    genes.write_text("chr1\t100\t200\tMYT1L\t0\t-\nchr1\t300\t400\tMYT1L-AS1\t0\t+\n"
                     "chr1\t500\t600\tMYT1\t0\t+\nchr1\t700\t800\tPXDN\t0\t+\n")
    app = BrowserApp([genes], genome=write_fasta(tmp_path / "ref.fa"), locus="chr1:1,001-2,000")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        screen = app.browser
        await pilot.press("l", "l", "l", "h")
        assert len(screen.history) == 2 and screen.history[-1] == Locus("chr1", 1200, 2200)
        await pilot.press("left_square_bracket")
        assert screen.locus == Locus("chr1", 1000, 2000)
        await pilot.press(*"1234567")
        assert "count 1234567" in str(screen.query_one("#status").render())
        await pilot.press("escape")
        await pilot.press("6", "plus")  # 1000 bp / 64 -> the 20-bp limit
        assert screen.locus.width == MIN_WIDTH and "closest zoom: 20 bp" in _message(app)
        await pilot.press("plus")
        assert screen.locus.width == MIN_WIDTH and "closest zoom" in _message(app)
        await _goto(pilot, "MYT")
        assert "3 names start so: MYT1, MYT1L, MYT1L-AS1" in _message(app)
        await _goto(pilot, "pxd")
        assert screen.locus == Locus("chr1", 700, 800)


async def test_past_the_fasta_end_and_only_missing_files(tmp_path):
    """Item 14: a view past the FASTA's end says so; browsing only missing files opens nothing."""
    fasta = tmp_path / "short.fa"
    fasta.write_text(">chr1\n" + "ACGT" * 10 + "\n")
    # The bigWig's header says chr1 is 10,000 bp: views past base 40 are allowed.
    app = BrowserApp([write_bigwig(tmp_path / "s.bw")], genome=fasta, locus="chr1:31-70")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        lines = "\n".join(screen_lines(app))
        assert "N past the end of short.fa (chr1 ends at 40)" in lines
    app = BrowserApp([tmp_path / "missing1.bed", tmp_path / "missing2.bw"])
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        assert app.browser.locus is None and len(app.errors) == 2
        assert "none of the files could be opened" in _message(app)


async def test_bad_bed_error_has_a_line_number(tmp_path):
    bad = tmp_path / "bad.bed"
    bad.write_text("# a comment\nchr1\tten\t20\tx\n")
    app = BrowserApp([bad])
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        assert "bad.bed:2: no features found" in app.errors[0] and "'ten'" in app.errors[0]


async def test_clicking_a_feature_selects_it(tmp_path):
    app = BrowserApp([write_bed(tmp_path / "a.bed")], locus="chr1:4,901-5,300")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        [widget] = app.browser.query(TrackWidget)
        row, c0, c1, item = widget.hits[0]
        assert item.name == "geneC"
        await pilot.click(widget, offset=(10 + c0, 2 + row))  # border, header, then the rows
        assert app.browser.query_one(DetailPanel).item is item
        assert app.browser.selected is widget
        await pilot.click(widget, offset=(10 + c1 + 30, 2 + row))  # off the feature: keeps it
        assert app.browser.query_one(DetailPanel).item is item
