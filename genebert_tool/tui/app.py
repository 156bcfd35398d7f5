"""``genebert browse``: a terminal genome browser for genebert's outputs.

The app loads each file in a worker thread (one per file), adds the tracks to a
:class:`~genebert_tool.tui.data.TrackSet` in command-line order, and shows them on a
:class:`~genebert_tool.tui.screens.BrowserScreen`. A file that cannot be read becomes an error
notification; the other tracks load and the app keeps running. Screenshots (``S``, or the
palette's Screenshot) and view exports (``e``) go to ``save_dir`` (the working directory unless
told otherwise); their paths are notified and kept in :attr:`BrowserApp.saved`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from genebert_tool.errors import GeneBertError
from genebert_tool.tui.data import SequenceTrack, Track, TrackSet, open_track
from genebert_tool.tui.export import view_file_name, write_items_tsv
from genebert_tool.tui.locus import Locus, LocusError, parse_locus
from genebert_tool.tui.screens import BrowserScreen


class NoTerminalError(GeneBertError):
    """``genebert browse`` was started without an interactive terminal."""

#: The view shown first when neither ``--locus`` nor any feature says where to look.
DEFAULT_WIDTH = 50_000


class BrowserApp(App[None]):
    """Browse bigWig, BED/narrowPeak/GTF and VCF tracks (and a FASTA) side by side."""

    TITLE = "genebert browse"

    def __init__(
        self,
        paths: Sequence[str | Path],
        *,
        genome: str | Path | None = None,
        locus: str | None = None,
        genome_offsets: dict[str, int] | None = None,
        save_dir: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.save_dir = Path(save_dir) if save_dir is not None else Path.cwd()
        self.saved: list[Path] = []  # screenshots and exports written, in order
        # The FASTA goes first: the sequence is drawn right under the ruler.
        self.paths = ([Path(genome)] if genome else []) + [Path(p) for p in paths]
        self.genome_offsets = genome_offsets if genome else None
        self.initial_locus = locus
        self.track_set = TrackSet()
        self.errors: list[str] = []  # every error notified, newest last (tests read it)
        self._slots: list[Track | None] = [None] * len(self.paths)
        self._pending = len(self.paths)

    @property
    def browser(self) -> BrowserScreen:
        return self._browser

    async def on_mount(self) -> None:
        self._browser = BrowserScreen(self.track_set)
        await self.push_screen(self._browser)  # mounted before any loader reports back
        if not self.paths:
            self.report_error("no files given: genebert browse FILE [FILE ...]")
        for index, path in enumerate(self.paths):
            self.load_track(index, path, self.genome_offsets if index == 0 else None)

    def report_error(self, message: str) -> None:
        """Show ``message`` as an error notification and remember it."""
        self.errors.append(message)
        self.notify(message, severity="error", timeout=8, markup=False)

    @work(thread=True, group="load")
    def load_track(self, index: int, path: Path, offsets: dict[str, int] | None = None) -> None:
        """Open one file off the event loop; the result is handed back to the app's thread."""
        try:
            track = SequenceTrack(path, offsets=offsets) if offsets else open_track(path)
        except (GeneBertError, OSError, ValueError) as exc:
            self.call_from_thread(self._load_failed, str(exc))
        else:
            self.call_from_thread(self._loaded, index, track)

    def _loaded(self, index: int, track: Track) -> None:
        self._slots[index] = track
        self.track_set.tracks[:] = [t for t in self._slots if t is not None]
        skipped = getattr(track, "skipped", 0)
        if skipped:
            self.notify(f"{track.name}: {skipped:,} malformed lines skipped", severity="warning")
        self._browser.tracks_changed()
        self._one_done()

    def _load_failed(self, message: str) -> None:
        self.report_error(message)
        self._one_done()

    def _one_done(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            if not self.track_set.tracks:
                # Nothing to draw: say so rather than open an empty chr1.
                self._browser.say("nothing to show: none of the files could be opened (see the errors); q quits")
                return
            self._browser.go(self._start_locus())
            self._browser.describe_named(self.initial_locus)

    # ---- saving -------------------------------------------------------------------------------------

    def _saved(self, path: Path, what: str) -> None:
        self.saved.append(path)
        self.notify(f"{what}: {path}", timeout=8, markup=False)

    def _save_path(self, suffix: str) -> Path | None:
        locus = self._browser.locus
        if locus is None:
            self.report_error("nothing to save yet")
            return None
        try:
            self.save_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.report_error(f"cannot create {self.save_dir}: {exc.strerror or exc}")
            return None
        return self.save_dir / view_file_name(locus, suffix)

    def action_save_screenshot_here(self) -> None:
        """An SVG of the screen, saved to :attr:`save_dir` (never to a missing ~/Downloads)."""
        path = self._save_path(".svg")
        if path is None:
            return
        try:
            self.save_screenshot(path.name, path=str(path.parent))
        except OSError as exc:
            self.report_error(f"screenshot not saved: {path}: {exc.strerror or exc}")
            return
        self._saved(path, "screenshot saved")

    def action_export_view(self) -> None:
        """The features and variants of the view as TSV, saved to :attr:`save_dir`."""
        path = self._save_path(".tsv")
        if path is None:
            return
        browser = self._browser
        items = [i for v in self.track_set.view(browser.locus, 1) for i in getattr(v, "items", ())]
        try:
            n = write_items_tsv(items, browser.locus, path)
        except OSError as exc:
            self.report_error(f"export failed: {path}: {exc.strerror or exc}")
            return
        self._saved(path, f"{n:,} rows exported")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's palette commands, with Screenshot saving to :attr:`save_dir`."""
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":
                command = SystemCommand("Screenshot", f"Save an SVG screenshot to {self.save_dir}",
                                        lambda: self.set_timer(0.1, self.action_save_screenshot_here))
            yield command

    def _start_locus(self) -> Locus:
        """``--locus`` if it parses, else the first feature, else the start of the first contig."""
        tracks = self.track_set
        if self.initial_locus:
            try:
                return parse_locus(self.initial_locus, contigs=tracks.contigs, find=tracks.find_locus)
            except LocusError as exc:
                self.report_error(f"--locus: {exc}")
        items = tracks.items()
        if items:
            return items[0].locus(tracks.length(items[0].chrom))
        for chrom, length in tracks.contigs.items():
            return Locus(chrom, 0, min(length or DEFAULT_WIDTH, DEFAULT_WIDTH))
        return Locus("chr1", 0, DEFAULT_WIDTH)


def run_browser(
    paths: Sequence[str | Path],
    *,
    genome: str | Path | None = None,
    locus: str | None = None,
    genome_offsets: dict[str, int] | None = None,
    save_dir: str | Path | None = None,
) -> list[Path]:
    """Run the browser in the terminal until the user quits; returns the files it saved.

    Raises :class:`NoTerminalError` when stdin or stdout is not a terminal: a full-screen app
    there would wait for keys that never come and write escape codes into a file or pipe.
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        which = " and ".join(n for n, f in (("stdin", sys.stdin), ("stdout", sys.stdout)) if not f.isatty())
        raise NoTerminalError(
            f"genebert browse needs an interactive terminal, but {which} is not a TTY "
            "(run it in a terminal, not in a pipe, redirect or batch job)"
        )
    app = BrowserApp(paths, genome=genome, locus=locus, genome_offsets=genome_offsets, save_dir=save_dir)
    app.run()
    return app.saved
