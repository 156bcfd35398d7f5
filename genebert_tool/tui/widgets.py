"""Widgets of the browser: the locus box, the ruler, the side table and the detail panel (the
track widget is in :mod:`genebert_tool.tui.trackwidget`). Each widget draws what the data layer
(:mod:`genebert_tool.tui.data`) hands it; none of them reads files. Messages are defined on the
widget that posts them."""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import RenderResult
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.suggester import Suggester
from textual.widgets import DataTable, Input, Static

from genebert_tool.tui.layout import GUTTER
from genebert_tool.tui.locus import Locus
from genebert_tool.tui.records import Item


class NameSuggester(Suggester):
    """Completes feature and variant names from the loaded tracks (``tab`` or ``→`` accepts)."""

    def __init__(self, tracks) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.tracks = tracks

    async def get_suggestion(self, value: str) -> str | None:
        if len(value) < 2 or ":" in value:
            return None
        found = self.tracks.starting_with(value, limit=1)
        return value + found[0].name[len(value):] if found else None


class LocusBox(Input):
    """Where the user types a locus: ``chr:start-end`` (1-based, inclusive), ``chr:pos``, ``chr``
    or a feature name. Posts :class:`LocusBox.Requested`; the screen parses it. Leaving the box
    without submitting (``escape``, a click elsewhere) puts the current locus back."""

    class Requested(Message):
        """The user submitted ``text`` as the locus to show."""

        def __init__(self, text: str) -> None:
            self.text = text
            super().__init__()

    def __init__(self, tracks=None, **kwargs) -> None:
        suggester = NameSuggester(tracks) if tracks is not None else None
        super().__init__(placeholder="chr2:1,000,001-1,050,000 | chr2:1,234,567 | MYT1L", suggester=suggester,
                         **kwargs)
        self.shown = ""  # the locus on screen, as the box shows it

    def show_locus(self, locus: Locus) -> None:
        self.shown = locus.display()
        self.value = self.shown

    def restore(self) -> None:
        """Forget an edit that was not submitted."""
        self.value = self.shown

    def on_blur(self) -> None:
        self.restore()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Requested(event.value))


class Ruler(Widget):
    """Tick marks and 1-based positions over the view."""

    DEFAULT_CSS = "Ruler { height: 2; }"
    locus: reactive[Locus | None] = reactive(None)
    n_cols = 0  # the tracks' data columns (the screen sets it: the tracks may have a scrollbar)

    def render(self) -> RenderResult:
        text = Text(no_wrap=True, overflow="crop")
        locus = self.locus
        n_cols = min(self.n_cols or self.size.width - GUTTER, self.size.width - GUTTER)
        if locus is None or n_cols < 10:
            return text
        # A "nice" tick step: 1, 2 or 5 x 10^k bp, about every 12 columns.
        raw = locus.width * 12 / n_cols
        step = min((m * 10 ** math.floor(math.log10(max(raw, 1))) for m in (1, 2, 5, 10)),
                   key=lambda s: (s < raw, abs(s - raw)))
        labels = [" "] * n_cols
        ticks = ["─"] * n_cols
        # Ticks sit on round 1-based positions P (the base at 0-based P - 1), labelled P.
        for pos1 in range((locus.start // step + 1) * step, locus.end + 1, step):
            col = (pos1 - 1 - locus.start) * n_cols // locus.width
            if not 0 <= col < n_cols:
                continue
            ticks[col] = "┬"
            if step >= 1_000_000:
                label = f"{pos1 / 1e6:,g}M"
            elif step >= 1000:
                label = f"{pos1 // 1000:,}k"
            else:
                label = f"{pos1:,}"
            if col + len(label) <= n_cols and all(c == " " for c in labels[max(0, col - 1) : col + len(label) + 1]):
                labels[col : col + len(label)] = list(label)
        text.append(f"{locus.width:,}bp"[: GUTTER - 1].ljust(GUTTER), style="dim")
        text.append("".join(labels))
        text.append("\n" + " " * GUTTER)
        text.append("".join(ticks), style="dim")
        return text


class ItemTable(DataTable):
    """Features and variants of every track; ``s`` sorts by score. Posts :class:`Jump` when a
    row is selected (enter or click) and :class:`Highlighted` when the cursor moves.

    A DataTable measures every cell, so at most :data:`MAX_ROWS` rows are shown: all items in
    file order when they fit, else the highest-scoring (``s``: the lowest); the border title
    says which.
    """

    BINDINGS = [("s", "sort_score", "Sort by score")]
    MAX_ROWS = 2000

    class Jump(Message):
        """Show ``item``."""

        def __init__(self, item: Item) -> None:
            self.item = item
            super().__init__()

    class Highlighted(Message):
        """The cursor is on ``item`` (for the detail panel)."""

        def __init__(self, item: Item) -> None:
            self.item = item
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.all_items: list[Item] = []
        self.shown: list[Item] = []
        self.items: dict[str, Item] = {}  # row key -> item, in row order
        self.sort_descending = True
        self.widths = {"name": 16, "score": 7, "of": 0, "locus": 14, "track": 10}
        self.fit_width = 0
        # Columns now, not on mount: rows may arrive from a loader before the table is mounted.
        # Fixed widths: nothing to measure per row.
        self._add_columns()

    def _add_columns(self) -> None:
        for key, width in self.widths.items():
            if width:
                self.add_column(key, key=key, width=width)

    def fit(self, width: int) -> None:
        """Column widths for a table ``width`` columns wide: loci are never cut (the column goes
        before that), then what the score is of, the track, and the name gets the rest."""
        self.fit_width = width
        loci = [self._locus(i) for i in self.shown] or ["chr1:1"]
        widths = {"name": 7, "score": 7, "of": 0, "locus": max(map(len, loci)), "track": 0}
        pad = 2  # a DataTable pads each cell by one column either side

        def used() -> int:
            return sum(w + pad for w in widths.values() if w)

        if used() > width:
            widths["locus"] = 0
        longest_of = max((len(i.score_of) for i in self.shown), default=0)
        for key, want in (("of", min(22, longest_of)), ("track", 12)):
            room = width - used() - pad
            if want and room >= min(want, 6):
                widths[key] = min(want, room)
        widths["name"] = max(widths["name"], width - used() + widths["name"])
        if widths != self.widths:
            at = self.item_at_cursor()
            self.widths = widths
            self.clear(columns=True)
            self._add_columns()
            self._show(self.shown)
            if at is not None:
                self.move_to(at)

    def set_items(self, items: list[Item]) -> None:
        """Show ``items`` (every feature and variant), capped at :attr:`MAX_ROWS`."""
        self.all_items = list(items)
        self.sort_descending = True
        if len(items) <= self.MAX_ROWS:
            self.border_title = f"{len(items):,} features and variants"
            self._show(self.all_items)
        else:
            self.action_sort_score()
        if self.fit_width:
            self.fit(self.fit_width)

    @staticmethod
    def _locus(item: Item) -> str:
        return f"{item.chrom}:{item.start + 1:,}"

    @staticmethod
    def _cut(text: str, width: int) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    def _show(self, items: list[Item]) -> None:
        self.clear()
        self.shown = list(items)
        self.items = {}
        w = self.widths
        for k, item in enumerate(items):
            key = str(k)
            self.items[key] = item
            cells = {"name": self._cut(item.name, w["name"]),
                     "score": Text("." if item.score is None else f"{item.score:.4g}", justify="right"),
                     "of": self._cut(item.score_of, w["of"]), "locus": self._locus(item),
                     "track": self._cut(item.track, w["track"])}
            self.add_row(*(cells[c] for c, width in w.items() if width), key=key)

    @staticmethod
    def sort_key(item: Item) -> float:
        """Features by score; variants by abs(delta): the most damaging either way first."""
        return abs(item.score) if item.kind == "variant" else item.score

    def action_sort_score(self) -> None:
        """Sort by score, largest first (variants by abs(delta)); again for smallest first
        (missing scores last)."""
        desc = self.sort_descending
        scored = sorted((i for i in self.all_items if i.score is not None), key=self.sort_key, reverse=desc)
        unscored = [i for i in self.all_items if i.score is None]
        shown = (scored + unscored)[: self.MAX_ROWS]
        order = "highest" if desc else "lowest"
        self.border_title = (f"{len(self.all_items):,} features and variants, by score ({order} first; variants by |Δ|)"
                             if len(self.all_items) <= self.MAX_ROWS else
                             f"the {len(shown):,} {order}-scoring of {len(self.all_items):,} (s: {'lowest' if desc else 'highest'})")
        self._show(shown)
        self.sort_descending = not desc

    def move_to(self, item: Item) -> None:
        """Put the cursor on ``item``'s row (the detail panel follows through Highlighted)."""
        for key, candidate in self.items.items():
            if candidate is item:
                self.move_cursor(row=self.get_row_index(key), animate=False)
                return

    def item_at_cursor(self) -> Item | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return self.items.get(row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        item = self.items.get(event.row_key.value)
        if item is not None:
            self.post_message(self.Jump(item))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        item = self.items.get(event.row_key.value)
        if item is not None:
            self.post_message(self.Highlighted(item))


#: Columns that hold a 0-based start in their file (BED): shown 1-based, like the header.
_ZERO_BASED = frozenset({"start", "thickStart", "chromStart"})


class DetailPanel(Static):
    """Every column and score of one item; positions 1-based, like the header."""

    item: Item | None = None

    def show_item(self, item: Item | None) -> None:
        self.item = item
        if item is None:
            self.update("")
            return
        text = Text()
        text.append(f"{item.name}\n", style="bold")
        text.append(f"{item.chrom}:{item.start + 1:,}-{item.end:,} ({item.end - item.start:,} bp, 1-based)\n",
                    style="dim")
        if item.score is not None:
            text.append("score: ", style="bold cyan")
            of = f" ({item.score_of})" if item.score_of not in ("", "score") else ""
            text.append(f"{item.score:.4g}{of}\n")
        bed = item.kind == "feature" and not any(name == "seqname" for name, _ in item.columns)
        for name, value in item.columns:
            text.append(f"{name}: ", style="bold cyan")
            if bed and name in _ZERO_BASED and value.strip().isdigit():
                text.append(f"{int(value) + 1:,} (1-based; {value} in the file)\n")
            else:
                text.append(f"{value}\n")
        if item.blocks:
            text.append(f"exons ({len(item.blocks)}, 1-based):\n", style="bold")
            for b0, b1 in item.blocks[:40]:
                text.append(f"  {b0 + 1:,}-{b1:,} ({b1 - b0:,} bp)\n")
            if len(item.blocks) > 40:
                text.append(f"  ... {len(item.blocks) - 40} more\n", style="dim")
        if item.deltas:
            text.append("GENEBERT deltas (alt - ref):\n", style="bold")
            for d in item.deltas:
                style = "red" if (d.delta or 0) > 0 else "blue" if (d.delta or 0) < 0 else ""
                text.append(f"  {d.allele} {d.output}: ", style="bold")
                text.append("." if d.delta is None else f"{d.delta:+.4g}", style=style)
                text.append("\n")
        if item.skips:
            text.append("GENEBERT_SKIP:\n", style="bold yellow")
            for allele, reason in item.skips:
                text.append(f"  {allele}: {reason}\n")
        self.update(text)
