"""One widget per track: a signal as bars, features or variants as labelled blocks (exons joined
by an intron line with strand arrows), or the reference bases. It draws what the data layer hands
it and reads no files. Posts :class:`TrackWidget.Clicked` when a feature is clicked."""

from __future__ import annotations

import math

from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from genebert_tool.tui.layout import GUTTER, MAX_BLOCKS, columns_of, layout_items, longest_gap, short_number
from genebert_tool.tui.locus import Locus
from genebert_tool.tui.records import FeatureView, Item, SequenceView, SignalView, TrackView

_EIGHTHS = " ▁▂▃▄▅▆▇█"
_BASE_STYLE = {"A": "bold green", "C": "bold blue", "G": "bold dark_orange", "T": "bold red"}
_TRACK_COLOURS = ("cyan", "magenta", "yellow", "green", "bright_blue", "bright_red")
#: Heights (rows, border included) a track starts with, per kind.
DEFAULT_HEIGHTS = {"signal": 7, "sequence": 3, "feature": 6, "variant": 5}
MIN_HEIGHT, MAX_HEIGHT = 3, 40
EXON, BLOCK, INTRON = "█", "▆", "─"
ARROWS = {"+": "›", "-": "‹"}
#: Variant colours (the help screen explains them).
GAIN, LOSS = "bold red", "bold blue"
_NL = Text("\n", no_wrap=True, overflow="crop")  # joined lines crop, never wrap


class TrackWidget(Widget):
    """One track. ``set_height`` changes its height; the ``selected`` class marks the track that
    ``N``/``P``, ``w`` and ``{``/``}`` act on."""

    DEFAULT_CSS = """
    TrackWidget { border-top: solid $primary-background; }
    TrackWidget.selected { border-top: heavy $accent; }
    """

    view: reactive[TrackView | None] = reactive(None)

    class Clicked(Message):
        """The user clicked ``item`` on ``track``'s widget (``item`` None: the track, off any item)."""

        def __init__(self, track: TrackWidget, item: Item | None) -> None:
            self.track = track
            self.item = item
            super().__init__()

    def __init__(self, track_name: str, kind: str, position: int = 0, **kwargs) -> None:
        super().__init__(classes=kind, **kwargs)
        self.track_name = track_name
        self.kind = kind
        self.colour = _TRACK_COLOURS[0]
        self.locus: Locus | None = None
        self.hits: list[tuple[int, int, int, Item]] = []  # (row, c0, c1, item) as last drawn
        self.set_height(DEFAULT_HEIGHTS.get(kind, 4))
        self.set_position(position)

    def set_position(self, position: int) -> None:
        """The track's place in the stack picks its colour (stable once every file has loaded)."""
        self.colour = _TRACK_COLOURS[position % len(_TRACK_COLOURS)]
        self.refresh()

    def set_height(self, rows: int) -> None:
        self.rows = min(MAX_HEIGHT, max(MIN_HEIGHT, rows))
        self.styles.height = self.rows

    def show(self, locus: Locus, view: TrackView) -> None:
        self.locus = locus
        self.view = view
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row, col = offset.y - 1, offset.x - GUTTER  # the first line is the header
        hit = next((item for r, c0, c1, item in self.hits if r == row and c0 <= col < c1), None)
        self.post_message(self.Clicked(self, hit))

    # ---- drawing ----------------------------------------------------------------------------------

    def render(self) -> RenderResult:
        n_cols = self.size.width - GUTTER
        view, locus = self.view, self.locus
        head = Text(no_wrap=True, overflow="crop")
        marker = "▶ " if self.has_class("selected") else ""
        head.append(marker + self.track_name[: GUTTER * 4], style=f"bold {self.colour}")
        self.hits = []
        if view is None or locus is None or n_cols < 5:
            head.append("  loading…" if view is None else "", style="dim")
            return head
        if isinstance(view, SignalView):
            return self._render_signal(head, view, n_cols)
        if isinstance(view, SequenceView):
            return self._render_sequence(head, view, locus, n_cols)
        return self._render_items(head, view, locus, n_cols)

    def _render_signal(self, head: Text, view: SignalView, n_cols: int) -> Text:
        rows = max(1, self.size.height - 1)  # the first line is the header
        scale = f"group {view.group} " if view.grouped else ""
        head.append(f"  {view.stat} per column, {scale}range {short_number(view.low)} .. {short_number(view.high)}",
                    style="dim")
        span = view.high - view.low
        levels = [None if v is None else max(0, min(rows * 8, round((v - view.low) / span * rows * 8)))
                  for v in view.values[:n_cols]]
        lines = [head]
        for r in range(rows):
            line = Text(no_wrap=True, overflow="crop")
            axis = short_number(view.high) if r == 0 else short_number(view.low) if r == rows - 1 else ""
            line.append(axis.rjust(GUTTER - 2) + " ┤" if axis else " " * (GUTTER - 1) + "│", style="dim")
            floor = (rows - 1 - r) * 8  # levels below this row
            line.append("".join(" " if lv is None else _EIGHTHS[max(0, min(8, lv - floor))] for lv in levels),
                        style=self.colour)
            lines.append(line)
        return _NL.join(lines)

    def _render_sequence(self, head: Text, view: SequenceView, locus: Locus, n_cols: int) -> Text:
        line = Text(" " * GUTTER, no_wrap=True, overflow="crop")
        if view.sequence is None:
            head.append(f"  zoom in to {n_cols:,} bp or less to see bases", style="dim")
        else:
            if view.note:
                head.append(f"  {view.note}", style="yellow")
            seq = view.sequence
            # Each base is drawn in the middle of the columns it covers.
            for col in range(n_cols):
                idx = col * locus.width // n_cols
                if idx >= len(seq):
                    break
                lo = math.ceil(idx * n_cols / locus.width)
                hi = math.ceil((idx + 1) * n_cols / locus.width)
                base = seq[idx] if col == (lo + hi - 1) // 2 else " "
                line.append(base, style=_BASE_STYLE.get(base.upper(), "dim"))
        return _NL.join([head, line])

    def _render_items(self, head: Text, view: FeatureView, locus: Locus, n_cols: int) -> Text:
        n_rows = max(1, self.size.height - 1)
        variant = self.kind == "variant"
        if len(view.items) > MAX_BLOCKS:
            return self._render_density(head, view, locus, n_cols)
        spans = [columns_of(locus, i.start, i.end, n_cols) for i in view.items]
        exons = [[columns_of(locus, b0, b1, n_cols) for b0, b1 in i.blocks if b1 > locus.start and b0 < locus.end]
                 for i in view.items]
        labels = [self._label(i) for i in view.items]
        label_at = [self._label_at(item, span, ex, len(text), n_cols)
                    for item, span, ex, (text, _) in zip(view.items, spans, exons, labels)]
        placement = layout_items(spans, [len(t) for t, _ in labels], label_at, n_rows, n_cols)
        cells = [[" "] * n_cols for _ in range(n_rows)]
        styles = [[""] * n_cols for _ in range(n_rows)]
        hidden = 0
        for item, (c0, c1), ex, (label, style), first, place in zip(view.items, spans, exons, labels, label_at,
                                                                     placement):
            if place is None:
                hidden += 1
                continue
            row, width = place
            self.hits.append((row, c0, c1, item))
            colour = item.colour or style
            for c in range(c0, c1):
                cells[row][c], styles[row][c] = ("▼" if variant else BLOCK), colour
            if item.blocks:
                self._draw_structure(cells[row], styles[row], item, c0, c1, ex, colour)
            if width:
                text = label if width >= len(label) else label[: width - 1] + "…"
                for j, ch in enumerate(text):
                    c = first + j
                    on_block = c0 <= c < c1 and cells[row][c] in (BLOCK, EXON)
                    cells[row][c] = ch
                    styles[row][c] = f"reverse {colour}" if on_block and not variant else style
        head.append(f"  {len(view.items):,} in view", style="dim")
        if hidden:
            head.append(f", {hidden:,} not drawn (zoom in or make the track taller with }})", style="yellow")
        lines = [head]
        for r in range(n_rows):
            line = Text(" " * GUTTER, no_wrap=True, overflow="crop")
            for ch, st in zip(cells[r], styles[r]):
                line.append(ch, style=st)
            lines.append(line)
        return _NL.join(lines)

    @staticmethod
    def _draw_structure(cells: list[str], styles: list[str], item: Item, c0: int, c1: int,
                        exon_cols: list[tuple[int, int]], colour: str) -> None:
        """Exons as full blocks over a thin intron line that carries the strand's arrows."""
        arrow = ARROWS.get(item.strand)
        for k, c in enumerate(range(c0, c1)):
            cells[c] = arrow if arrow and k % 4 == 2 else INTRON
        for e0, e1 in exon_cols:
            for c in range(e0, e1):
                cells[c] = EXON
        for c in range(c0, c1):
            styles[c] = colour

    @staticmethod
    def _label_at(item: Item, span: tuple[int, int], exon_cols: list[tuple[int, int]], length: int,
                  n_cols: int) -> int:
        """A variant's label follows its marker; a feature's starts on its block, except that an
        exon-structured feature's label goes after it (or into its widest intron) so that it hides
        no exon."""
        c0, c1 = span
        if item.kind == "variant":
            return c1 + 1
        if not item.blocks or not exon_cols:
            return c0
        if c1 + 1 + length <= n_cols:
            return c1 + 1
        first, width = longest_gap(c0, c1, exon_cols)
        return first + 1 if width >= min(length, 6) + 2 else c0

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
        return _NL.join([head, line])

    def _label(self, item: Item) -> tuple[str, str]:
        if self.kind == "variant":
            if item.score is not None:
                style = GAIN if item.score > 0 else LOSS if item.score < 0 else "bold"
                return f"{item.name} Δ{item.score:+.3g}", style
            if item.skips:
                return f"{item.name} skip:{item.skips[0][1]}", "dim"
            return item.name, "bold"
        score = "" if item.score is None else f" {item.score:.4g}"
        strand = {"+": " ›", "-": " ‹"}.get(item.strand, "")
        return f"{item.name}{score}{strand}", self.colour
