"""What the browser draws, read off the composited screen: bases at base level, exon structure,
per-column statistics of a signal, colour by score (issue 14 items 1, 3, 5, 8)."""

from __future__ import annotations

from pathlib import Path

import pyBigWig
import pyfaidx
import pytest

from genebert_tool.tui.app import BrowserApp
from genebert_tool.tui.help import HELP
from genebert_tool.tui.layout import GUTTER, columns_of
from genebert_tool.tui.locus import Locus
from genebert_tool.tui.trackwidget import EXON, INTRON, TrackWidget
from tui_helpers import write_fasta  # tests/ is on pytest's pythonpath
from tui_helpers import loaded, screen_lines

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _row_after(lines: list[str], title: str) -> str:
    """The screen row right under the track header that starts with ``title``."""
    k = next(i for i, line in enumerate(lines) if line.startswith(title))
    return lines[k + 1]


@pytest.mark.parametrize("size", [(60, 20), (100, 30), (160, 48)])
async def test_real_chr2_bases_are_on_screen_at_base_level(hg38_chr2, size):
    """Item 1, on the real hg38 chr2 piece: every reference base of the 41-bp view, in order."""
    app = BrowserApp([], genome=hg38_chr2, locus="chr2:1860200")
    async with app.run_test(size=size) as pilot:
        await loaded(app, pilot)
        assert app.browser.locus == Locus("chr2", 1_860_179, 1_860_220)
        expected = str(pyfaidx.Fasta(str(hg38_chr2))["chr2"][1_860_179:1_860_220]).upper()
        row = _row_after(screen_lines(app), hg38_chr2.name)
        assert row[GUTTER:].replace(" ", "").rstrip("│▂▅▇█▏▎") == expected
        assert len(expected) == 41 and set(expected) <= set("ACGT")


async def test_bases_fill_their_columns_evenly(tmp_path):
    app = BrowserApp([], genome=write_fasta(tmp_path / "ref.fa"), locus="chr1:1-20")
    async with app.run_test(size=(90, 24)) as pilot:
        await loaded(app, pilot)
        row = _row_after(screen_lines(app), "ref.fa")[GUTTER : GUTTER + app.browser.n_cols]
        assert row.replace(" ", "") == "ACGT" * 5
        at = [i for i, c in enumerate(row) if c != " "]
        gaps = {b - a for a, b in zip(at, at[1:])}
        assert max(gaps) - min(gaps) <= 1  # one base every n_cols/20 columns, no bunching


async def test_bed12_exons_and_the_poison_exon_intron(real_data):
    """Item 3: the MANE MYT1L transcript's exons are blocks joined by an intron line with minus-
    strand arrows; over the poison exon (in an intron of the MANE transcript) only the line shows."""
    bed = real_data / "genome" / "hg38_MYT1L_MANE_AND_PE.bed"
    app = BrowserApp([bed], locus="chr2:1,789,113-1,800,000")
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(app, pilot)
        [widget] = app.browser.query(TrackWidget)
        mane = app.track_set.find("ENST00000647738.2")
        assert len(mane.blocks) == 25 and mane.blocks[0] == (1_789_112, 1_792_007)
        row = next(r for r, c0, c1, item in widget.hits if item is mane)
        cells = screen_lines(app)[widget.content_region.y + 1 + row][GUTTER:]
        n_cols, locus = app.browser.n_cols, app.browser.locus
        exon_cols = set()
        for b0, b1 in mane.blocks:
            if b1 > locus.start and b0 < locus.end:
                exon_cols |= set(range(*columns_of(locus, b0, b1, n_cols)))
        label = mane.name
        for col in range(n_cols):
            if col in exon_cols:
                assert cells[col] == EXON, col
            elif cells[col] not in label + " 0":
                assert cells[col] in (INTRON, "‹"), (col, cells[col])
        assert "‹" in cells and INTRON in cells
        # The poison exon's view: the MANE transcript is intron only there, the PE a block.
        await pilot.press("g")
        app.browser.query_one("#locus").value = "chr2:1,860,101-1,860,310"
        await pilot.press("enter")
        await pilot.pause()
        lines = screen_lines(app)
        rows = {item.name: r for r, _, _, item in widget.hits}
        mane_row = lines[widget.content_region.y + 1 + rows[mane.name]][GUTTER:GUTTER + n_cols]
        assert EXON not in mane_row and mane_row.count("‹") >= 10
        assert "▆" in lines[widget.content_region.y + 1 + rows["MYT1L_PE"]]


def _peak_bigwig(path: Path) -> Path:
    """A 0.97 one-base peak at 5,000 on a 0.01 background of chr1 [0, 10,000)."""
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader([("chr1", 10_000)], maxZooms=10)
    bw.addEntries("chr1", 0, values=[0.97 if i == 5000 else 0.01 for i in range(10_000)], span=1, step=1)
    bw.close()
    return path


async def test_signal_max_mean_min_per_column_and_full_width_bases(tmp_path):
    """Item 5: max by default for a probability track (the peak survives), ``w`` cycles to mean and
    min, the header says which; at base level each base's bar fills all its columns."""
    app = BrowserApp([_peak_bigwig(tmp_path / "peak.donor.bw")], locus="chr1:1-10,000")
    async with app.run_test(size=(110, 24)) as pilot:
        await loaded(app, pilot)
        [widget] = app.browser.query(TrackWidget)
        assert widget.view.stat == "max" and max(v for v in widget.view.values if v) == pytest.approx(0.97)
        assert "max per column" in screen_lines(app)[widget.content_region.y]
        await pilot.press("w")
        assert widget.view.stat == "mean" and max(widget.view.values) < 0.2
        assert "mean per column" in screen_lines(app)[widget.content_region.y]
        await pilot.press("w")
        assert widget.view.stat == "min" and max(widget.view.values) == pytest.approx(0.01)
        await pilot.press("w")
        await pilot.press("g")
        app.browser.query_one("#locus").value = "chr1:4,991-5,010"  # 20 bp: base level
        await pilot.press("enter")
        await pilot.pause()
        values = widget.view.values
        assert None not in values  # no 1-column comb
        peak_cols = [c for c, v in enumerate(values) if v == pytest.approx(0.97)]
        n_cols = app.browser.n_cols
        assert peak_cols == list(range(*columns_of(app.browser.locus, 5000, 5001, n_cols)))
        assert len(peak_cols) >= n_cols // 20


async def test_colour_by_score_and_item_rgb(tmp_path):
    """Item 8: useScore=1 shades by score, an itemRgb colours a block; the help explains the
    variant colours."""
    bed = tmp_path / "scored.bed"
    bed.write_text('track name=s useScore=1\n'
                   "chr1\t100\t200\tlow\t100\t+\nchr1\t300\t400\thigh\t1000\t+\n")
    rgb = tmp_path / "rgb.bed"
    rgb.write_text("chr1\t100\t200\tred\t0\t+\t100\t200\t255,0,0\n")
    app = BrowserApp([bed, rgb], locus="chr1:1-500")
    async with app.run_test(size=(110, 24)) as pilot:
        await loaded(app, pilot)
        low, high, red = (app.track_set.find(n) for n in ("low", "high", "red"))
        assert red.colour == "rgb(255,0,0)"
        levels = [int(i.colour.split(",")[1]) for i in (low, high)]
        assert levels[0] < levels[1]
        text = app.browser.query(TrackWidget)[0].render()
        styles = {str(span.style) for span in text.spans}
        assert any(low.colour in s for s in styles) and any(high.colour in s for s in styles)
    assert "**Red**" in HELP and "**blue**" in HELP and "useScore=1" in HELP
