"""Screens: the browser itself and the help overlay.

The browser screen owns the view state: the current :class:`Locus`, the history and the pending
vim-style count. Every move goes through :meth:`BrowserScreen.go`, which redraws the tracks from
:meth:`TrackSet.view`.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Markdown, Static

from genebert_tool.tui.data import Item, TrackSet
from genebert_tool.tui.locus import Locus, LocusError, parse_locus
from genebert_tool.tui.widgets import GUTTER, DetailPanel, ItemTable, LocusBox, Ruler, TrackWidget

HELP = """\
# genebert browse - keys

| keys | action |
|---|---|
| `←` `h` / `→` `l` | pan left / right by a tenth of the view |
| `H` / `L` | pan left / right by a whole view |
| `+` `=` / `-` | zoom in / out (x2, about the centre) |
| `n` / `p` | next / previous feature, peak or variant |
| `[` `ctrl+o` / `]` | back / forward through the history of views |
| *count* then a key | repeat: `10l` pans ten tenths, `3+` zooms in 8x |
| `g` `/` | type a locus; `escape` returns to the tracks |
| `t` | go to the table; `enter` jumps to the row, `s` sorts by score |
| `?` | this help |
| `q` | quit |

**Locus box.** `chr2:1,000,001-1,050,000` shows bases 1,000,001 to 1,050,000: positions are
**1-based and inclusive**, as in UCSC and IGV (inside, genebert works 0-based half-open:
that is `chr2 1000000 1050000` in BED). `chr2:1,234,567` shows 41 bp centred on that base;
`chr2` the whole contig; a name (`MYT1L`) the feature of that name in any loaded BED/GTF/VCF.

**Tracks.** bigWig: mean per column, y range on the left (never read whole: each view asks the
zoom levels). BED/narrowPeak: blocks labelled with name and score. VCF: variants with the
largest GENEBERT delta (alt - ref), or the GENEBERT_SKIP reason. Sequence: at base level.

Press `escape` or `?` to close.
"""


class HelpScreen(ModalScreen[None]):
    """The key reference, over the browser."""

    BINDINGS = [("escape,question_mark,q", "app.pop_screen", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; height: 80%; border: thick $accent; background: $surface; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)


class BrowserScreen(Screen):
    """Stacked tracks, a locus box, the feature/variant table and a detail panel."""

    BINDINGS = [
        Binding("left,h", "pan(-1)", "Pan", key_display="←/h"),
        Binding("right,l", "pan(1)", "Pan", key_display="→/l", show=False),
        Binding("H", "pan(-10)", "Page", show=False),
        Binding("L", "pan(10)", "Page", show=False),
        Binding("plus,equals_sign", "zoom(-1)", "Zoom in", key_display="+"),
        Binding("minus", "zoom(1)", "Zoom out", key_display="-"),
        Binding("n", "jump(1)", "Next"),
        Binding("p", "jump(-1)", "Prev", show=False),
        Binding("left_square_bracket,ctrl+o", "history(-1)", "Back", key_display="["),
        Binding("right_square_bracket", "history(1)", "Fwd", key_display="]", show=False),
        Binding("g,slash", "focus_locus", "Go to"),
        Binding("t", "focus_table", "Table"),
        Binding("escape", "focus_tracks", "Tracks", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "app.quit", "Quit"),
    ]

    DEFAULT_CSS = """
    BrowserScreen #top { height: 3; }
    BrowserScreen LocusBox { width: 1fr; }
    BrowserScreen #status { width: 44; padding: 1 1 0 1; color: $text-muted; }
    BrowserScreen #tracks { width: 1fr; }
    BrowserScreen #side { width: 58; border-left: solid $primary-background; }
    BrowserScreen ItemTable { height: 1fr; border-top: solid $primary-background; }
    BrowserScreen #detail-scroll { height: 1fr; border-top: solid $primary-background; }
    BrowserScreen #message { height: 1; color: $error; }
    """

    def __init__(self, tracks: TrackSet, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tracks = tracks
        self.locus: Locus | None = None
        self.history: list[Locus] = []
        self.history_pos = -1
        self.count = ""  # digits typed before a movement key, vim style
        self.anchor: Item | None = None  # the item last jumped to, and the view it opened
        self.anchor_locus: Locus | None = None
        self._widgets: dict[int, TrackWidget] = {}  # id(track) -> its widget

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield LocusBox(id="locus")
            yield Static("", id="status")
        yield Static("", id="message")
        with Horizontal():
            with VerticalScroll(id="tracks", can_focus=True):
                yield Ruler(id="ruler")
            with Vertical(id="side"):
                yield ItemTable(id="table")
                with VerticalScroll(id="detail-scroll"):
                    yield DetailPanel(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#tracks").focus()

    # ---- tracks -------------------------------------------------------------------------------

    def tracks_changed(self) -> None:
        """Add widgets for newly loaded tracks (in track order) and refill the table."""
        area = self.query_one("#tracks")
        previous = self.query_one(Ruler)
        for k, track in enumerate(self.tracks.tracks):
            widget = self._widgets.get(id(track))
            if widget is None:
                widget = self._widgets[id(track)] = TrackWidget(track.name, track.kind, k)
                area.mount(widget, after=previous)
            widget.set_position(k)
            previous = widget
        self.query_one(ItemTable).set_items(self.tracks.items())
        if self.locus is not None:
            self.call_after_refresh(self.redraw)

    @property
    def n_cols(self) -> int:
        """Data columns of the track area (its width less the name/axis gutter)."""
        # The ruler spans the track area exactly as the track widgets do.
        return max(10, self.query_one(Ruler).size.width - GUTTER)

    def redraw(self) -> None:
        if self.locus is None:
            return
        views = self.tracks.view(self.locus, self.n_cols)
        for track, view in zip(self.tracks.tracks, views):
            widget = self._widgets.get(id(track))
            if widget is not None:
                widget.show(self.locus, view)
        self.query_one(Ruler).locus = self.locus
        self.query_one(LocusBox).value = self.locus.display()
        self._show_status()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.redraw)

    def _show_status(self) -> None:
        text = f"{self.locus.width:,} bp" if self.locus else ""
        if len(self.history) > 1:
            text += f"  view {self.history_pos + 1}/{len(self.history)}"
        if self.count:
            text += f"  count {self.count}"
        self.query_one("#status", Static).update(text)

    # ---- moving -------------------------------------------------------------------------------

    def go(self, locus: Locus, *, record: bool = True) -> None:
        """Show ``locus`` (clamped to its contig); ``record`` adds it to the history."""
        locus = locus.clamp(self.tracks.length(locus.chrom))
        if record and locus != self.locus:
            del self.history[self.history_pos + 1 :]
            self.history.append(locus)
            self.history_pos = len(self.history) - 1
        self.locus = locus
        self.query_one("#message", Static).update("")
        self.redraw()

    def take_count(self) -> int:
        count = int(self.count) if self.count else 1
        self.count = ""
        return max(1, count)

    def on_key(self, event: events.Key) -> None:
        if event.character is not None and event.character.isdigit() and (self.count or event.character != "0"):
            self.count = (self.count + event.character)[-6:]
            event.stop()
            self._show_status()

    def action_pan(self, tenths: int) -> None:
        if self.locus is None:
            return
        step = max(1, self.locus.width // 10) * tenths * self.take_count()
        self.go(self.locus.pan(step, self.tracks.length(self.locus.chrom)))

    def action_zoom(self, direction: int) -> None:
        if self.locus is None:
            return
        factor = 2.0 ** (direction * self.take_count())
        self.go(self.locus.zoom(factor, self.tracks.length(self.locus.chrom)))

    def action_jump(self, direction: int) -> None:
        if self.locus is None:
            return
        item = None
        anchor = self.anchor if self.anchor is not None and self.anchor_locus == self.locus else None
        for _ in range(self.take_count()):
            found = self.tracks.next_item(self.locus, reverse=direction < 0, after=item or anchor)
            if found is None:
                break
            item = found
        if item is None:
            self.query_one("#message", Static).update("no more features " + ("before" if direction < 0 else "after") + " this view")
            return
        self.show_item(item)

    def action_history(self, step: int) -> None:
        count = self.take_count()
        pos = min(max(self.history_pos + step * count, 0), len(self.history) - 1)
        if pos != self.history_pos and pos >= 0:
            self.history_pos = pos
            self.go(self.history[pos], record=False)

    def show_item(self, item: Item) -> None:
        """Show ``item`` and its details; n/p continue from it while the view stays put."""
        self.go(item.locus(self.tracks.length(item.chrom)))
        self.anchor, self.anchor_locus = item, self.locus
        self.query_one(DetailPanel).show_item(item)
        self.query_one(ItemTable).move_to(item)

    def describe_first_in_view(self) -> None:
        """Point the table and the detail panel at the first feature or variant in the view."""
        if self.locus is None:
            return
        for view in self.tracks.view(self.locus, 1):
            items = getattr(view, "items", ())
            if items:
                self.query_one(DetailPanel).show_item(items[0])
                self.query_one(ItemTable).move_to(items[0])
                return

    def action_focus_locus(self) -> None:
        self.count = ""
        box = self.query_one(LocusBox)
        box.focus()
        box.select_all()

    def action_focus_table(self) -> None:
        self.query_one(ItemTable).focus()

    def action_focus_tracks(self) -> None:
        self.count = ""
        self.query_one("#tracks").focus()
        self._show_status()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    # ---- messages from the widgets --------------------------------------------------------------

    @on(LocusBox.Requested)
    def goto_text(self, message: LocusBox.Requested) -> None:
        try:
            locus = parse_locus(message.text, contigs=self.tracks.contigs, find=self.tracks.find_locus)
        except LocusError as exc:
            self.query_one("#message", Static).update(str(exc))
            self.app.report_error(str(exc))
            return
        item = self.tracks.find(message.text.strip())
        if item is not None and item.locus(self.tracks.length(item.chrom)) == locus.clamp(self.tracks.length(locus.chrom)):
            self.query_one(DetailPanel).show_item(item)
        self.go(locus)
        self.query_one("#tracks").focus()

    @on(ItemTable.Jump)
    def jump_to_row(self, message: ItemTable.Jump) -> None:
        self.show_item(message.item)

    @on(ItemTable.Highlighted)
    def describe_row(self, message: ItemTable.Highlighted) -> None:
        self.query_one(DetailPanel).show_item(message.item)
