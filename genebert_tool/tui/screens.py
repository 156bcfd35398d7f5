"""The browser screen. It owns the view state: the current :class:`Locus`, the history, the
pending vim-style count, the selected track and the layout (side panel width, track heights).
Every move goes through :meth:`BrowserScreen.go`, which redraws the tracks from
:meth:`TrackSet.view`. The help overlay is in :mod:`genebert_tool.tui.help`.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from genebert_tool.tui.data import Item, TrackSet
from genebert_tool.tui.help import HelpScreen
from genebert_tool.tui.layout import GUTTER
from genebert_tool.tui.locus import MIN_WIDTH, Locus, LocusError, parse_locus
from genebert_tool.tui.signal import STATS
from genebert_tool.tui.trackwidget import TrackWidget
from genebert_tool.tui.widgets import DetailPanel, ItemTable, LocusBox, Ruler

#: Digits a count may have (a count of bp-tenths beyond a billion means nothing).
MAX_COUNT_DIGITS = 9
#: Below this terminal width the side panel starts hidden.
NARROW = 100


def default_side_width(width: int) -> int:
    """The side panel's width for a terminal ``width`` columns wide (0: hidden)."""
    return 0 if width < NARROW else min(72, max(40, round(width * 0.3)))


class BrowserScreen(Screen):
    """Stacked tracks under a fixed ruler, a locus box, the feature/variant table and a detail panel."""

    BINDINGS = [
        Binding("left,h", "pan(-1)", "Pan", key_display="←/h"),
        Binding("right,l", "pan(1)", "Pan", key_display="→/l", show=False),
        Binding("H", "pan(-10)", "Page", show=False),
        Binding("L", "pan(10)", "Page", show=False),
        Binding("plus,equals_sign", "zoom(-1)", "Zoom in", key_display="+"),
        Binding("minus", "zoom(1)", "Zoom out", key_display="-"),
        Binding("n", "jump(1)", "Next"),
        Binding("p", "jump(-1)", "Prev", show=False),
        Binding("N", "jump(1, True)", "Next in track", show=False),
        Binding("P", "jump(-1, True)", "Prev in track", show=False),
        Binding("left_square_bracket,ctrl+o", "history(-1)", "Back", key_display="["),
        Binding("right_square_bracket", "history(1)", "Fwd", key_display="]", show=False),
        Binding("g,slash", "focus_locus", "Go to"),
        Binding("t", "focus_table", "Table"),
        Binding("j", "select_track(1)", "Track", show=False),
        Binding("k", "select_track(-1)", "Track", show=False),
        Binding("right_curly_bracket", "track_height(1)", "Taller", show=False),
        Binding("left_curly_bracket", "track_height(-1)", "Shorter", show=False),
        Binding("w", "cycle_stat", "Max/mean/min", show=False),
        Binding("y", "toggle_grouped", "Group y", show=False),
        Binding("b", "toggle_side", "Panel"),
        Binding("less_than_sign", "side_width(-4)", "Narrower", show=False),
        Binding("greater_than_sign", "side_width(4)", "Wider", show=False),
        Binding("e", "app.export_view", "Export"),
        Binding("S", "app.save_screenshot_here", "Screenshot", show=False),
        Binding("escape", "focus_tracks", "Tracks", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "app.quit", "Quit"),
    ]

    DEFAULT_CSS = """
    BrowserScreen #top { height: 3; }
    BrowserScreen LocusBox { width: 1fr; }
    BrowserScreen #status { width: auto; max-width: 50%; padding: 1 1 0 1; color: $text-muted; }
    BrowserScreen #trackpane { width: 1fr; }
    BrowserScreen #tracks { height: 1fr; scrollbar-gutter: stable; }
    BrowserScreen #side { border-left: solid $primary-background; }
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
        self.anchor: Item | None = None  # the item last moved to, and the view that showed it
        self.anchor_locus: Locus | None = None
        self.selected: TrackWidget | None = None
        self.grouped = False
        self.side_width: int | None = None  # None: follows the terminal width
        self._last_move = ""
        self._widgets: dict[int, TrackWidget] = {}  # id(track) -> its widget

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield LocusBox(self.tracks, id="locus")
            yield Static("", id="status")
        yield Static("", id="message")
        with Horizontal():
            with Vertical(id="trackpane"):
                yield Ruler(id="ruler")  # outside the scroll: it stays when the tracks scroll
                yield VerticalScroll(id="tracks", can_focus=True)
            with Vertical(id="side"):
                yield ItemTable(id="table")
                with VerticalScroll(id="detail-scroll"):
                    yield DetailPanel(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#tracks").focus()
        self._apply_side_width()

    # ---- tracks and layout ------------------------------------------------------------------------

    def tracks_changed(self) -> None:
        """Add widgets for newly loaded tracks (in track order) and refill the table."""
        area = self.query_one("#tracks")
        previous = None
        for k, track in enumerate(self.tracks.tracks):
            widget = self._widgets.get(id(track))
            if widget is None:
                widget = self._widgets[id(track)] = TrackWidget(track.name, track.kind, k)
                if previous is None:
                    area.mount(widget, before=0) if area.children else area.mount(widget)
                else:
                    area.mount(widget, after=previous)
            widget.set_position(k)
            previous = widget
        self.query_one(ItemTable).set_items(self.tracks.items())
        if self.locus is not None:
            self.call_after_refresh(self.redraw)

    @property
    def track_widgets(self) -> list[TrackWidget]:
        return [self._widgets[id(t)] for t in self.tracks.tracks if id(t) in self._widgets]

    @property
    def n_cols(self) -> int:
        """Data columns of the track area (its width less the name/axis gutter)."""
        # The track scroll's content (less its scrollbar gutter) is what every track draws on; the
        # ruler above it is told this width, so its ticks line up with the tracks.
        return max(10, self.query_one("#tracks").scrollable_content_region.width - GUTTER)

    def redraw(self) -> None:
        if self.locus is None:
            return
        views = self.tracks.view(self.locus, self.n_cols, grouped=self.grouped)
        for track, view in zip(self.tracks.tracks, views):
            widget = self._widgets.get(id(track))
            if widget is not None:
                widget.show(self.locus, view)
        ruler = self.query_one(Ruler)
        ruler.n_cols = self.n_cols
        ruler.locus = self.locus
        self.query_one(LocusBox).show_locus(self.locus)
        self._show_status()

    def on_resize(self, event: events.Resize) -> None:
        self._apply_side_width()
        self.call_after_refresh(self.redraw)

    def _apply_side_width(self) -> None:
        width = self.side_width if self.side_width is not None else default_side_width(self.app.size.width)
        side = self.query_one("#side")
        side.display = width > 0
        if width > 0:
            side.styles.width = width
            self.query_one(ItemTable).fit(width - 1)  # less the border

    def action_toggle_side(self) -> None:
        shown = self.query_one("#side").display
        self.side_width = 0 if shown else max(36, default_side_width(max(self.app.size.width, NARROW)))
        self._apply_side_width()
        self.call_after_refresh(self.redraw)

    def action_side_width(self, step: int) -> None:
        current = self.side_width if self.side_width is not None else default_side_width(self.app.size.width)
        self.side_width = min(max(0, current + step), max(0, self.app.size.width - GUTTER - 20))
        if 0 < self.side_width < 24:  # narrower than a usable table: hide it
            self.side_width = 0 if step < 0 else 24
        self._apply_side_width()
        self.call_after_refresh(self.redraw)

    def action_select_track(self, step: int) -> None:
        widgets = self.track_widgets
        if not widgets:
            return
        k = widgets.index(self.selected) + step if self.selected in widgets else (0 if step > 0 else -1)
        self.select(widgets[k % len(widgets)])

    def select(self, widget: TrackWidget | None) -> None:
        for w in self.track_widgets:
            w.set_class(w is widget, "selected")
            w.refresh()
        self.selected = widget
        if widget is not None:
            widget.scroll_visible()
        self._show_status()

    def action_track_height(self, step: int) -> None:
        for widget in [self.selected] if self.selected else self.track_widgets:
            widget.set_height(widget.rows + step)
        self.call_after_refresh(self.redraw)

    def action_cycle_stat(self) -> None:
        targets = [t for t in self.tracks.tracks if t.kind == "signal"]
        if self.selected is not None and self.selected.kind == "signal":
            targets = [t for t in targets if t.name == self.selected.track_name]
        if not targets:
            self.say("no signal track to summarise")
            return
        stat = STATS[(STATS.index(targets[0].stat) + 1) % len(STATS)]
        for track in targets:
            track.stat = stat
        self.say(f"{stat} per column: {', '.join(t.name for t in targets)}", error=False)
        self.redraw()

    def action_toggle_grouped(self) -> None:
        self.grouped = not self.grouped
        self.say("y scale shared by the tracks of one model run" if self.grouped else "y scale per track",
                 error=False)
        self.redraw()

    def _show_status(self) -> None:
        text = f"{self.locus.width:,} bp" if self.locus else ""
        if len(self.history) > 1:
            text += f"  view {self.history_pos + 1}/{len(self.history)}"
        if self.selected is not None:
            text += f"  [{self.selected.track_name}]"
        if self.count:
            text += f"  count {self.count}"
        self.query_one("#status", Static).update(text)

    def say(self, text: str, *, error: bool = True) -> None:
        """One line above the tracks (cleared by the next move)."""
        message = self.query_one("#message", Static)
        message.styles.color = None if error else "white"
        message.update(text)

    # ---- moving -------------------------------------------------------------------------------------

    def go(self, locus: Locus, *, record: bool = True, move: str = "") -> None:
        """Show ``locus`` (clamped to its contig); ``record`` adds it to the history, where a run of
        pans (``move="pan"``) is one entry."""
        locus = locus.clamp(self.tracks.length(locus.chrom))
        if record and locus != self.locus:
            coalesce = move == "pan" and self._last_move == "pan" and self.history_pos == len(self.history) - 1
            if coalesce and self.history:
                self.history[-1] = locus
            else:
                del self.history[self.history_pos + 1 :]
                self.history.append(locus)
                self.history_pos = len(self.history) - 1
        self._last_move = move if record else ""
        self.locus = locus
        self.say("")
        self.redraw()

    def take_count(self) -> int:
        count = int(self.count) if self.count else 1
        self.count = ""
        return max(1, count)

    def on_key(self, event: events.Key) -> None:
        if event.character is not None and event.character.isdigit() and (self.count or event.character != "0"):
            event.stop()
            if len(self.count) >= MAX_COUNT_DIGITS:
                self.say(f"a count has at most {MAX_COUNT_DIGITS} digits")
                return
            self.count += event.character
            self._show_status()

    def action_pan(self, tenths: int) -> None:
        if self.locus is None:
            return
        step = max(1, self.locus.width // 10) * tenths * self.take_count()
        self.go(self.locus.pan(step, self.tracks.length(self.locus.chrom)), move="pan")

    def action_zoom(self, direction: int) -> None:
        if self.locus is None:
            return
        factor = 2.0 ** (direction * self.take_count())
        new = self.locus.zoom(factor, self.tracks.length(self.locus.chrom))
        if direction < 0 and new.width >= self.locus.width:
            self.say(f"closest zoom: {MIN_WIDTH} bp")
            return
        self.go(new)
        if direction < 0 and new.width == MIN_WIDTH:
            self.say(f"closest zoom: {MIN_WIDTH} bp", error=False)

    def action_jump(self, direction: int, in_track: bool = False) -> None:
        if self.locus is None:
            return
        track = None
        if in_track:
            if self.selected is None or self.selected.kind not in ("feature", "variant"):
                self.say("select a feature or variant track first (j/k or click it)")
                self.take_count()
                return
            track = self.selected.track_name
        item = None
        anchor = self.anchor if self.anchor is not None and self.anchor_locus == self.locus else None
        for _ in range(self.take_count()):
            found = self.tracks.next_item(self.locus, reverse=direction < 0, after=item or anchor, track=track)
            if found is None:
                break
            item = found
        if item is None:
            where = f" in {track}" if track else ""
            self.say(f"no {'previous' if direction < 0 else 'next'} feature{where}: none starts "
                     f"{'before' if direction < 0 else 'after'} {'this one' if anchor else 'the view centre'}")
            return
        self.show_item(item, keep_zoom=True)

    def action_history(self, step: int) -> None:
        count = self.take_count()
        pos = min(max(self.history_pos + step * count, 0), len(self.history) - 1)
        if pos != self.history_pos and pos >= 0:
            self.history_pos = pos
            self.go(self.history[pos], record=False)

    def show_item(self, item: Item, *, keep_zoom: bool = False) -> None:
        """Show ``item`` (its extent, or centred at the current zoom) and its details; n/p continue
        from it while the view stays put."""
        length = self.tracks.length(item.chrom)
        if keep_zoom and self.locus is not None:
            self.go(item.centred(self.locus.width, length))
        else:
            self.go(item.locus(length))
        self.anchor, self.anchor_locus = item, self.locus
        self.query_one(DetailPanel).show_item(item)
        self.query_one(ItemTable).move_to(item)

    def describe_first_in_view(self) -> None:
        """Point the table and the detail panel at the first feature or variant in the view (or
        clear the panel when there is none)."""
        first = None
        if self.locus is not None:
            first = next((v.items[0] for v in self.tracks.view(self.locus, 1) if getattr(v, "items", ())), None)
        self.query_one(DetailPanel).show_item(first)
        if first is not None:
            self.query_one(ItemTable).move_to(first)

    def action_focus_locus(self) -> None:
        self.count = ""
        box = self.query_one(LocusBox)
        box.focus()
        box.select_all()

    def action_focus_table(self) -> None:
        if not self.query_one("#side").display:
            self.action_toggle_side()
        self.query_one(ItemTable).focus()

    def action_focus_tracks(self) -> None:
        tracks = self.query_one("#tracks")
        if tracks.has_focus and not self.count and self.selected is not None:
            self.select(None)  # escape on the tracks: clear the selection
        self.count = ""
        self.query_one(LocusBox).restore()
        tracks.focus()
        self._show_status()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    # ---- messages from the widgets --------------------------------------------------------------

    @on(LocusBox.Requested)
    def goto_text(self, message: LocusBox.Requested) -> None:
        text = message.text.strip()
        try:
            locus = parse_locus(text, contigs=self.tracks.contigs, find=self.tracks.find_locus)
        except LocusError as exc:
            matches = self.tracks.starting_with(text) if text and ":" not in text else []
            if len(matches) == 1:
                self.show_item(matches[0])
                self.query_one("#tracks").focus()
                return
            if matches:
                names = ", ".join(i.name for i in matches[:8]) + (", ..." if len(matches) > 8 else "")
                self.say(f"{text}: {len(matches)} names start so: {names} (type one)")
                return
            self.say(str(exc))
            self.app.report_error(str(exc))
            return
        self.go(locus)
        self.describe_named(text)
        self.query_one("#tracks").focus()

    def describe_named(self, text: str | None) -> None:
        """After going to ``text``: describe the item of that name when the view is that item's,
        else the first item in the view (never the item described before)."""
        item = self.tracks.find(text.strip()) if text else None
        if item is not None and item.locus(self.tracks.length(item.chrom)) == self.locus:
            self.anchor, self.anchor_locus = item, self.locus
            self.query_one(DetailPanel).show_item(item)
            self.query_one(ItemTable).move_to(item)
        else:
            self.describe_first_in_view()

    @on(ItemTable.Jump)
    def jump_to_row(self, message: ItemTable.Jump) -> None:
        self.show_item(message.item)

    @on(ItemTable.Highlighted)
    def describe_row(self, message: ItemTable.Highlighted) -> None:
        self.query_one(DetailPanel).show_item(message.item)

    @on(TrackWidget.Clicked)
    def track_clicked(self, message: TrackWidget.Clicked) -> None:
        self.select(message.track)
        if message.item is not None:
            self.anchor, self.anchor_locus = message.item, self.locus
            self.query_one(DetailPanel).show_item(message.item)
            self.query_one(ItemTable).move_to(message.item)
