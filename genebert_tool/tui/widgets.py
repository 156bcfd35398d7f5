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

from genebert_tool.tui.data import FeatureView, Item, SequenceView, SignalView, TrackView
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
    TrackWidget.feature { height: 5; }
    TrackWidget.variant { height: 4; }
    """

    view: reactive[TrackView | None] = reactive(None)

    def __init__(self, track_name: str, kind: str, colour_index: int = 0, **kwargs) -> None:
        super().__init__(classes=kind, **kwargs)
        self.track_name = track_name
        self.kind = kind
        self.colour = _TRACK_COLOURS[colour_index % len(_TRACK_COLOURS)]
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
        head.append(f"  {len(view.items):,} in view", style="dim")
        rows: list[list[tuple[int, int, str, str]]] = [[] for _ in range(n_rows)]
        free = [0] * n_rows  # first free column per row
        hidden = 0
        for item in view.items:
            c0, c1 = columns_of(locus, item.start, item.end, n_cols)
            label, style = self._label(item)
            reserve = max(c1, c0 + len(label)) + 1
            row = next((r for r in range(n_rows) if free[r] <= c0), None)
            if row is None:
                hidden += 1
                continue
            free[row] = reserve
            rows[row].append((c0, c1, label, style))
        if hidden:
            head.append(f", {hidden:,} not drawn (zoom in)", style="yellow")
        lines = [head]
        for row in rows:
            cells = [" "] * n_cols
            styles = [""] * n_cols
            for c0, c1, label, style in row:
                for c in range(c0, c1):
                    cells[c], styles[c] = ("▼" if self.kind == "variant" else "▆"), style
                for k, ch in enumerate(label):
                    c = (c1 + 1 if self.kind == "variant" else c0) + k
                    if c < n_cols:
                        cells[c] = ch
                        styles[c] = f"reverse {style}" if c < c1 else style
            line = Text(" " * GUTTER, no_wrap=True, overflow="crop")
            for ch, st in zip(cells, styles):
                line.append(ch, style=st)
            lines.append(line)
        return Text("\n").join(lines)

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
    row is selected (enter or click) and :class:`Highlighted` when the cursor moves."""

    BINDINGS = [("s", "sort_score", "Sort by score")]

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
        self.items: dict[str, Item] = {}
        self.sort_descending = True
        # Columns now, not on mount: rows may arrive from a loader before the table is mounted.
        self.add_column("name", key="name")
        self.add_column("locus", key="locus")
        self.add_column("score", key="score")
        self.add_column("track", key="track")

    def set_items(self, items: list[Item]) -> None:
        self.clear()
        self.items = {}
        for k, item in enumerate(items):
            key = str(k)
            self.items[key] = item
            score = Text("." if item.score is None else f"{item.score:.4g}", justify="right")
            self.add_row(item.name, f"{item.chrom}:{item.start + 1:,}", score, item.track, key=key)

    def action_sort_score(self) -> None:
        """Sort by score, largest first; again for smallest first (missing scores last)."""
        desc = self.sort_descending
        scored = [i for i in self.items.values() if i.score is not None]
        scored.sort(key=lambda i: i.score, reverse=desc)
        self.set_items(scored + [i for i in self.items.values() if i.score is None])
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
