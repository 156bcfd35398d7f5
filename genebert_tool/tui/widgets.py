"""Widgets of the browser: the locus box, the ruler, one widget per track, the side table and
the detail panel. Each widget draws what the data layer (:mod:`genebert_tool.tui.data`) hands it;
none of them reads files. Messages are defined on the widget that posts them."""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import RenderResult
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from genebert_tool.tui.records import FeatureView, Item, SequenceView, SignalView, TrackView
from genebert_tool.tui.locus import Locus

#: Columns left of the data, for track names and the y-axis range.
GUTTER = 10
_EIGHTHS = " ▁▂▃▄▅▆▇█"
_BASE_STYLE = {"A": "bold green", "C": "bold blue", "G": "bold dark_orange", "T": "bold red"}
_TRACK_COLOURS = ("cyan", "magenta", "yellow", "green", "bright_blue", "bright_red")


def columns_of(locus: Locus, start: int, end: int, n_cols: int) -> tuple[int, int]:
    """The columns ``[c0, c1)`` (at least one wide, clipped to the view) that ``[start, end)``
    covers when ``locus`` is drawn over ``n_cols`` columns."""
    c0 = math.floor((start - locus.start) * n_cols / locus.width)
    c1 = math.ceil((end - locus.start) * n_cols / locus.width)
    c0 = min(max(c0, 0), n_cols - 1)
    c1 = min(max(c1, c0 + 1), n_cols)
    return c0, c1


#: Above this many items in view, labels are not laid out (the blocks alone say enough).
MAX_LABELLED = 2000
#: Above this many, a track shows item density per column instead of blocks (layout is O(n)).
MAX_BLOCKS = 5000


def layout_items(
    spans: list[tuple[int, int]],
    label_lengths: list[int],
    label_at: list[int],
    n_rows: int,
    n_cols: int,
) -> list[tuple[int, int] | None]:
    """Rows for blocks ``[c0, c1)`` (sorted by ``c0``) and how much of each label to draw.

    Each block takes the first row where it *and* its label (``label_lengths[i]`` columns from
    ``label_at[i]``) are free, else the first row where the block cuts no label, else the last
    row where the block fits: blocks are never hidden by labels, labels give way to blocks. Labels are then cut at the next block in their
    row and dropped below 6 characters. One free column separates neighbours.
    Returns ``(row, label_columns)`` per item, or None where no row has room for the block.
    """
    blocks = [bytearray(n_cols + 2) for _ in range(n_rows)]
    anything = [bytearray(n_cols + 2) for _ in range(n_rows)]
    labelled = len(spans) <= MAX_LABELLED

    def free(grid: list[bytearray], row: int, lo: int, hi: int) -> bool:
        return not any(grid[row][max(0, lo - 1) : hi + 1])

    rows: list[int | None] = []
    for (c0, c1), length, first in zip(spans, label_lengths, label_at):
        hi = min(n_cols, max(c1, first + length)) if labelled else c1
        row = next((r for r in range(n_rows) if free(anything, r, c0, hi)), None)
        if row is None:  # no room for the label: a row where the block cuts no label, else any
            row = next((r for r in range(n_rows) if free(anything, r, c0, c1)), None)
        if row is None:
            row = next((r for r in reversed(range(n_rows)) if free(blocks, r, c0, c1)), None)
        if row is not None:
            blocks[row][c0:c1] = b"\x01" * (c1 - c0)
            anything[row][c0:hi] = b"\x01" * (hi - c0)
        rows.append(row)
    result: list[tuple[int, int] | None] = []
    for (c0, c1), length, first, row in zip(spans, label_lengths, label_at, rows):
        if row is None:
            result.append(None)
            continue
        end = first
        limit = min(n_cols, first + length) if labelled else first
        while end < limit and (c0 <= end < c1 or not blocks[row][end]):
            end += 1
        drawn = end - first if end - first >= min(6, length) else 0
        result.append((row, drawn))
    return result


def _short(value: float) -> str:
    """A number in at most 8 characters, for the y axis."""
    text = f"{value:.4g}"
    return text if len(text) <= 8 else f"{value:.1e}"


class LocusBox(Input):
    """Where the user types a locus: ``chr:start-end`` (1-based, inclusive), ``chr:pos``, ``chr``
    or a feature name. Posts :class:`LocusBox.Requested`; the screen parses it."""

    class Requested(Message):
        """The user submitted ``text`` as the locus to show."""

        def __init__(self, text: str) -> None:
            self.text = text
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(placeholder="chr2:1,000,001-1,050,000 | chr2:1,234,567 | MYT1L", **kwargs)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Requested(event.value))


class Ruler(Widget):
    """Tick marks and 1-based positions over the view."""

    DEFAULT_CSS = "Ruler { height: 2; }"
    locus: reactive[Locus | None] = reactive(None)

    def render(self) -> RenderResult:
        text = Text(no_wrap=True, overflow="crop")
        locus = self.locus
        n_cols = self.size.width - GUTTER
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


class TrackWidget(Widget):
    """One track: a bigWig as bars, features or variants as labelled blocks, or the sequence."""

    DEFAULT_CSS = """
    TrackWidget { height: 4; border-top: solid $primary-background; }
    TrackWidget.signal { height: 7; }
    TrackWidget.sequence { height: 2; }
    TrackWidget.feature { height: 6; }
    TrackWidget.variant { height: 5; }
    """

    view: reactive[TrackView | None] = reactive(None)

    def __init__(self, track_name: str, kind: str, position: int = 0, **kwargs) -> None:
        super().__init__(classes=kind, **kwargs)
        self.track_name = track_name
        self.kind = kind
        self.colour = _TRACK_COLOURS[0]
        self.set_position(position)

    def set_position(self, position: int) -> None:
        """The track's place in the stack picks its colour (stable once every file has loaded)."""
        self.colour = _TRACK_COLOURS[position % len(_TRACK_COLOURS)]
        self.refresh()
        self.locus: Locus | None = None

    def show(self, locus: Locus, view: TrackView) -> None:
        self.locus = locus
        self.view = view
        self.refresh()

    def render(self) -> RenderResult:
        n_cols = self.size.width - GUTTER
        view, locus = self.view, self.locus
        head = Text(no_wrap=True, overflow="crop")
        head.append(self.track_name[: GUTTER * 4], style=f"bold {self.colour}")
        if view is None or locus is None or n_cols < 5:
            head.append("  loading…" if view is None else "", style="dim")
            return head
        if isinstance(view, SignalView):
            return self._render_signal(head, view, n_cols)
        if isinstance(view, SequenceView):
            return self._render_sequence(head, view, locus, n_cols)
        return self._render_items(head, view, locus, n_cols)

    def _render_signal(self, head: Text, view: SignalView, n_cols: int) -> Text:
        rows = max(1, self.size.height - 2)  # one line for the title, one for the border
        head.append(f"  range {_short(view.low)} .. {_short(view.high)} (mean per column)", style="dim")
        span = view.high - view.low
        levels = [
            None if v is None or not math.isfinite(v) else
            max(0, min(rows * 8, round((v - view.low) / span * rows * 8)))
            for v in view.values[:n_cols]
        ]
        lines = [head]
        for r in range(rows):
            line = Text(no_wrap=True, overflow="crop")
            axis = _short(view.high) if r == 0 else _short(view.low) if r == rows - 1 else ""
            line.append(axis.rjust(GUTTER - 2) + " ┤" if axis else " " * (GUTTER - 1) + "│", style="dim")
            floor = (rows - 1 - r) * 8  # levels below this row
            cells = "".join(
                " " if lv is None else _EIGHTHS[max(0, min(8, lv - floor))] for lv in levels
            )
            line.append(cells, style=self.colour)
            lines.append(line)
        return Text("\n").join(lines)

    def _render_sequence(self, head: Text, view: SequenceView, locus: Locus, n_cols: int) -> Text:
        line = Text(no_wrap=True, overflow="crop")
        line.append(" " * GUTTER)
        if view.sequence is None:
            head.append(f"  zoom in to {n_cols:,} bp or less to see bases", style="dim")
        else:
            seq = view.sequence
            prev = -1
            for col in range(n_cols):
                idx = col * locus.width // n_cols
                if idx >= len(seq):
                    break
                base = seq[idx] if idx != prev else " "
                prev = idx
                line.append(base, style=_BASE_STYLE.get(base.upper(), "dim"))
        return Text("\n").join([head, line])

    def _render_items(self, head: Text, view: FeatureView, locus: Locus, n_cols: int) -> Text:
        n_rows = max(1, self.size.height - 2)
        variant = self.kind == "variant"
        if len(view.items) > MAX_BLOCKS:
            return self._render_density(head, view, locus, n_cols)
        spans = [columns_of(locus, i.start, i.end, n_cols) for i in view.items]
        labels = [self._label(i) for i in view.items]
        # A variant's label follows its marker; a feature's starts on its block.
        label_at = [c1 + 1 if variant else c0 for c0, c1 in spans]
        placement = layout_items(spans, [len(t) for t, _ in labels], label_at, n_rows, n_cols)
        cells = [[" "] * n_cols for _ in range(n_rows)]
        styles = [[""] * n_cols for _ in range(n_rows)]
        hidden = 0
        for (c0, c1), (label, style), first, place in zip(spans, labels, label_at, placement):
            if place is None:
                hidden += 1
                continue
            row, width = place
            for c in range(c0, c1):
                cells[row][c], styles[row][c] = ("▼" if variant else "▆"), style
            if width:
                text = label if width >= len(label) else label[: width - 1] + "…"
                for j, ch in enumerate(text):
                    c = first + j
                    cells[row][c] = ch
                    styles[row][c] = f"reverse {style}" if c < c1 and not variant else style
        head.append(f"  {len(view.items):,} in view", style="dim")
        if hidden:
            head.append(f", {hidden:,} not drawn (zoom in)", style="yellow")
        lines = [head]
        for r in range(n_rows):
            line = Text(" " * GUTTER, no_wrap=True, overflow="crop")
            for ch, st in zip(cells[r], styles[r]):
                line.append(ch, style=st)
            lines.append(line)
        return Text("\n").join(lines)

    def _render_density(self, head: Text, view: FeatureView, locus: Locus, n_cols: int) -> Text:
        """Too many items for blocks: how many start in each column, as bars."""
        counts = [0] * n_cols
        for item in view.items:
            counts[columns_of(locus, item.start, item.end, n_cols)[0]] += 1
        top = max(counts)
        head.append(f"  {len(view.items):,} in view: starts per column, up to {top:,} (zoom in for blocks)",
                    style="dim")
        line = Text(" " * GUTTER, no_wrap=True, overflow="crop")
        line.append("".join(" " if c == 0 else _EIGHTHS[max(1, round(8 * c / top))] for c in counts),
                    style=self.colour)
        return Text("\n").join([head, line])

    def _label(self, item: Item) -> tuple[str, str]:
        if self.kind == "variant":
            if item.score is not None:
                style = "bold red" if item.score > 0 else "bold blue" if item.score < 0 else "bold"
                return f"{item.name} Δ{item.score:+.3g}", style
            if item.skips:
                return f"{item.name} skip:{item.skips[0][1]}", "dim"
            return item.name, "bold"
        score = "" if item.score is None else f" {item.score:.4g}"
        strand = {"+": " ›", "-": " ‹"}.get(item.strand, "")
        return f"{item.name}{score}{strand}", self.colour


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
        self.items: dict[str, Item] = {}  # row key -> item, in row order
        self.sort_descending = True
        # Columns now, not on mount: rows may arrive from a loader before the table is mounted.
        # Fixed widths: nothing to measure per row.
        self.add_column("name", key="name", width=16)
        self.add_column("score", key="score", width=7)
        self.add_column("locus", key="locus", width=14)
        self.add_column("track", key="track", width=10)

    def set_items(self, items: list[Item]) -> None:
        """Show ``items`` (every feature and variant), capped at :attr:`MAX_ROWS`."""
        self.all_items = list(items)
        self.sort_descending = True
        if len(items) <= self.MAX_ROWS:
            self.border_title = f"{len(items):,} features and variants"
            self._show(self.all_items)
        else:
            self.action_sort_score()

    def _show(self, items: list[Item]) -> None:
        self.clear()
        self.items = {}
        for k, item in enumerate(items):
            key = str(k)
            self.items[key] = item
            score = Text("." if item.score is None else f"{item.score:.4g}", justify="right")
            name = item.name if len(item.name) <= 16 else item.name[:15] + "…"
            track = item.track if len(item.track) <= 10 else item.track[:9] + "…"
            self.add_row(name, score, f"{item.chrom}:{item.start + 1:,}", track, key=key)

    def action_sort_score(self) -> None:
        """Sort by score, largest first; again for smallest first (missing scores last)."""
        desc = self.sort_descending
        scored = sorted((i for i in self.all_items if i.score is not None), key=lambda i: i.score, reverse=desc)
        unscored = [i for i in self.all_items if i.score is None]
        shown = (scored + unscored)[: self.MAX_ROWS]
        order = "highest" if desc else "lowest"
        self.border_title = (f"{len(self.all_items):,} features and variants, by score ({order} first)"
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


class DetailPanel(Static):
    """Every column and score of one item."""

    def show_item(self, item: Item | None) -> None:
        if item is None:
            self.update("")
            return
        text = Text()
        text.append(f"{item.name}\n", style="bold")
        text.append(f"{item.chrom}:{item.start + 1:,}-{item.end:,} ({item.end - item.start:,} bp, 1-based)\n",
                    style="dim")
        for name, value in item.columns:
            text.append(f"{name}: ", style="bold cyan")
            text.append(f"{value}\n")
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
