"""The browser driven through Textual's Pilot: keys, the locus box, the table, broken files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from genebert_tool.tui.app import BrowserApp
from genebert_tool.tui.locus import POINT_WIDTH, Locus
from genebert_tool.tui.help import HelpScreen
from genebert_tool.tui.trackwidget import TrackWidget
from genebert_tool.tui.widgets import DetailPanel, ItemTable, LocusBox
from tui_helpers import write_bed, write_bigwig, write_fasta, write_vcf  # tests/ is on pytest's pythonpath

# Async tests run through anyio's pytest plugin (installed with Textual), on asyncio.
pytestmark = pytest.mark.anyio

SIZE = (120, 36)
START = "chr1:2,001-4,000"  # 0-based [2000, 4000), 2,000 bp: a tenth is 200 bp


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "bw": write_bigwig(tmp_path / "s.bw"),
        "bed": write_bed(tmp_path / "a.bed"),
        "vcf": write_vcf(tmp_path / "v.vcf"),
        "fa": write_fasta(tmp_path / "ref.fa"),
    }


async def _loaded(app: BrowserApp, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _goto(pilot, text: str, *, type_keys: bool = False) -> None:
    """Focus the locus box with ``g``, enter ``text`` and press enter. Typing key by key costs
    ~0.1 s a key under Pilot, so by default the box's value is set directly."""
    await pilot.press("g")
    box = pilot.app.browser.query_one(LocusBox)
    if type_keys:
        await pilot.press("ctrl+a", "ctrl+k", *text)  # ctrl+a/ctrl+k: clear the box first
    else:
        box.value = text
    assert box.has_focus and box.value == text
    await pilot.press("enter")
    await pilot.pause()


async def test_keys_move_the_locus_exactly(files):
    app = BrowserApp([files["bw"], files["bed"]], locus=START)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(app, pilot)
        screen = app.browser
        assert screen.locus == Locus("chr1", 2000, 4000)
        expected = [
            (("l",), (2200, 4200)),
            (("right",), (2400, 4400)),
            (("h",), (2200, 4200)),
            (("left",), (2000, 4000)),
            (("1", "0", "l"), (4000, 6000)),  # count: ten tenths
            (("3", "h"), (3400, 5400)),
            (("L",), (5400, 7400)),  # a whole view
            (("H",), (3400, 5400)),
            (("plus",), (3900, 4900)),  # zoom in about the centre 4,400
            (("minus",), (3400, 5400)),
            (("2", "minus"), (400, 8400)),  # count 2: x4
            (("equals_sign",), (2400, 6400)),
            (("left_square_bracket",), (400, 8400)),  # back through the history
            (("left_square_bracket",), (3400, 5400)),
            (("right_square_bracket",), (400, 8400)),
            (("ctrl+o",), (3400, 5400)),
            (("9", "L"), (8000, 10_000)),  # stops at the contig end (10,000)
            (("5", "0", "h"), (0, 2000)),  # stops at the contig start
        ]
        for keys, (start, end) in expected:
            await pilot.press(*keys)
            assert screen.locus == Locus("chr1", start, end), keys
        assert screen.query_one(LocusBox).value == "chr1:1-2,000"


LOCUS_FORMS = [
    ("chr1:2,001-3,000", Locus("chr1", 2000, 3000)),
    ("chr1:5001", Locus("chr1", 5000 - POINT_WIDTH // 2, 5000 - POINT_WIDTH // 2 + POINT_WIDTH)),
    ("1:101-200", Locus("chr1", 100, 200)),
    ("chr1", Locus("chr1", 0, 10_000)),
    ("geneB", Locus("chr1", 150, 400)),
    ("rs1", Locus("chr1", 149 - POINT_WIDTH // 2, 149 - POINT_WIDTH // 2 + POINT_WIDTH)),
]
BAD_LOCI = [
    ("chr1:500-100", "before start"),
    ("chrZ:1-10", "unknown contig"),
    ("NOSUCHGENE", "not a contig"),
    ("chr1:20,001-20,100", "past the contig end"),
    ("chr1:1-", "not a locus"),
]


async def test_locus_box_forms_and_bad_input(files):
    app = BrowserApp([files["bw"], files["bed"], files["vcf"]], genome=files["fa"], locus=START)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(app, pilot)
        # One widget per track, in command-line order (the FASTA first), however loads finish.
        assert [w.track_name for w in app.browser.query(TrackWidget)] == ["ref.fa", "s.bw", "a.bed", "v.vcf"]
        await _goto(pilot, "chr1:3,001-3,500", type_keys=True)
        assert app.browser.locus == Locus("chr1", 3000, 3500)
        for text, expected in LOCUS_FORMS:
            await _goto(pilot, text)
            assert app.browser.locus == expected, text
            assert app.browser.query_one(LocusBox).value == expected.display()
        assert app.errors == []
        before = app.browser.locus
        for text, message in BAD_LOCI:
            await _goto(pilot, text)
            assert app.browser.locus == before, text  # unchanged
            assert message in app.errors[-1]
            assert message in str(app.browser.query_one("#message").render())
        assert len(app.errors) == len(BAD_LOCI)


async def test_jump_to_real_gene_name(real_data, tmp_path):
    genes = real_data / "regions" / "gencode_v24_genes.hg38_windows.bed"
    app = BrowserApp([genes])
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(app, pilot)
        await _goto(pilot, "MYT1L")
        assert app.browser.locus == Locus("chr2", 1_789_112, 2_331_260)
        assert app.browser.query_one(LocusBox).value == "chr2:1,789,113-2,331,260"
        await _goto(pilot, "pxdn")
        assert app.browser.locus == Locus("chr2", 1_631_886, 1_744_852)
        await pilot.press("left_square_bracket")
        assert app.browser.locus == Locus("chr2", 1_789_112, 2_331_260)


async def test_table_row_jumps_and_sorts(files):
    app = BrowserApp([files["bed"], files["vcf"]], locus=START)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(app, pilot)
        table = app.browser.query_one(ItemTable)
        # The BED's four good records, then the VCF's two, in file order.
        assert table.row_count == 6
        # The start view holds the <DEL> only: the cursor waits on its row.
        assert table.item_at_cursor().name == "chr1:3001C><DEL>"
        await pilot.press("t", "ctrl+home", "down", "enter")  # second row: geneB
        assert app.browser.locus == Locus("chr1", 150, 400)
        assert "9.5" in str(app.browser.query_one(DetailPanel).render())
        await pilot.press("s")  # largest score first
        assert [table.get_row_at(i)[0] for i in range(3)] == ["geneB", "geneA", "geneD"]
        await pilot.press("ctrl+home", "enter")
        assert app.browser.locus == Locus("chr1", 150, 400)
        await pilot.press("s")  # smallest first: rs1 (delta -0.45) leads, unscored rows last
        assert table.get_row_at(0)[0] == "rs1" and table.shown[5].name == "chr1:3001C><DEL>"


async def test_unreadable_files_do_not_crash(files, tmp_path):
    garbage = tmp_path / "garbage.bw"
    garbage.write_bytes(b"definitely not a bigWig")
    app = BrowserApp([tmp_path / "missing.bed", garbage, files["bed"]], locus="geneA")
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(app, pilot)
        assert len(app.errors) == 2
        assert any("no such file" in e for e in app.errors) and any("not a bigWig" in e for e in app.errors)
        assert app.is_running
        # The good track loaded and the keys still work.
        assert [w.track_name for w in app.browser.query(TrackWidget)] == ["a.bed"]
        start = app.browser.locus
        await pilot.press("l")
        assert app.browser.locus == start.pan(start.width // 10)


async def test_bad_start_locus_is_reported(files):
    app = BrowserApp([files["bed"]], locus="chr9:1-10")
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(app, pilot)
        assert "--locus" in app.errors[0]
        assert app.browser.locus is not None  # fell back to the first feature


async def test_help_overlay_and_sequence_track(files):
    app = BrowserApp([files["bw"]], genome=files["fa"], locus="chr1:5-24")
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(app, pilot)
        widgets = list(app.browser.query(TrackWidget))
        assert [w.kind for w in widgets] == ["sequence", "signal"]
        assert widgets[0].view.sequence == "ACGTACGTACGTACGTACGT"
        bases = str(widgets[0].render()).split("\n")[1]
        assert "".join(bases.split()) == "ACGTACGTACGTACGTACGT"  # zoomed in: one base per ~3 columns
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is app.browser


def test_browse_help_does_not_import_textual():
    code = (
        "import sys; from click.testing import CliRunner; from genebert_tool.cli import main; "
        "r = CliRunner().invoke(main, ['browse', '--help']); "
        "assert r.exit_code == 0 and '1-based' in r.output, r.output; "
        "assert 'textual' not in sys.modules and 'torch' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_layout_never_hides_a_block_for_a_label():
    from genebert_tool.tui.layout import columns_of, layout_items

    # Far apart: one row, full labels.
    assert layout_items([(0, 1), (20, 21)], [10, 10], [2, 22], n_rows=2, n_cols=40) == [(0, 10), (0, 10)]
    # Three blocks 4 columns apart with 10-column labels: every block is drawn, in one row or
    # two, and no drawn label runs over another block of its row.
    spans, lengths, starts = [(0, 1), (4, 5), (8, 9)], [10, 10, 10], [2, 6, 10]
    for n_rows in (1, 2):
        placed = layout_items(spans, lengths, starts, n_rows, 40)
        assert all(p is not None for p in placed)
        assert any(width == 10 for _, width in placed)
        for (row, width), first in zip(placed, starts):
            others = [c0 for (c0, _), (r, _) in zip(spans, placed) if r == row]
            assert not any(first <= c0 < first + width for c0 in others)
    # Blocks on the same columns cannot share a row; without a free row the block is hidden.
    assert layout_items([(0, 5), (1, 3)], [0, 0], [0, 1], 1, 40) == [(0, 0), None]
    assert columns_of(Locus("chr1", 1000, 2000), 1500, 1501, 100) == (50, 51)
    assert columns_of(Locus("chr1", 1000, 2000), 0, 5000, 100) == (0, 100)  # clipped


async def test_dense_view_draws_density(tmp_path):
    bed = tmp_path / "dense.bed"
    bed.write_text("".join(f"chr1\t{i * 2}\t{i * 2 + 1}\tf{i}\t{i}\t+\n" for i in range(6000)))
    app = BrowserApp([bed], locus="chr1:1-12,000")
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(app, pilot)
        [widget] = app.browser.query(TrackWidget)
        text = str(widget.render())
        assert "6,000 in view: starts per column" in text
        assert text.split("\n")[1].strip() and set(text.split("\n")[1].strip()) <= set("▁▂▃▄▅▆▇█")
        # The table shows the 2,000 highest-scoring rows, and says so.
        table = app.browser.query_one(ItemTable)
        assert table.row_count == ItemTable.MAX_ROWS == 2000
        assert table.get_row_at(0)[0] == "f5999" and "of 6,000" in str(table.border_title)
        await pilot.press("t", "s")
        assert table.get_row_at(0)[0] == "f0" and "lowest" in str(table.border_title)
