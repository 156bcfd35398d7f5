"""``genebert browse``: a terminal genome browser for genebert's outputs.

The app loads each file in a worker thread (one per file), adds the tracks to a
:class:`~genebert_tool.tui.data.TrackSet` in command-line order, and shows them on a
:class:`~genebert_tool.tui.screens.BrowserScreen`. A file that cannot be read becomes an error
notification; the other tracks load and the app keeps running.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual import work
from textual.app import App

from genebert_tool.errors import GeneBertError
from genebert_tool.tui.data import SequenceTrack, Track, TrackSet, open_track
from genebert_tool.tui.locus import Locus, LocusError, parse_locus
from genebert_tool.tui.screens import BrowserScreen

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
    ) -> None:
        super().__init__()
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
            self._browser.go(self._start_locus())
            self._browser.describe_first_in_view()

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
) -> None:
    """Run the browser in the terminal until the user quits."""
    BrowserApp(paths, genome=genome, locus=locus, genome_offsets=genome_offsets).run()
