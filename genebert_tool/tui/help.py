"""The help overlay: every key, what the tracks and colours mean."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.containers import VerticalScroll
from textual.widgets import Markdown

HELP = """\
# genebert browse - keys

| keys | action |
|---|---|
| `←` `h` / `→` `l` | pan left / right by a tenth of the view (a run of pans is one history entry) |
| `H` / `L` | pan left / right by a whole view |
| `+` `=` / `-` | zoom in / out (x2, about the centre; the closest view is 20 bp) |
| `n` / `p` | next / previous feature or variant by start, over all tracks, keeping the zoom |
| `N` / `P` | the same within the selected track only |
| `[` `ctrl+o` / `]` | back / forward through the history of views |
| *count* then a key | repeat: `10l` pans ten tenths, `3+` zooms in 8x |
| `g` `/` | type a locus (`tab` completes a name); `escape` returns to the tracks and restores the box |
| `j` / `k` | select the next / previous track (or click it); `escape` twice clears the selection |
| `{` / `}` | make the selected track (all, when none is selected) shorter / taller |
| `w` | per-column statistic of the selected signal track (all, when none): max, mean, min |
| `y` | grouped y scale: the signal tracks of one model run share one range |
| `b` | hide / show the side panel; `<` / `>` make it narrower / wider |
| `t` | go to the table; `enter` jumps to the row, `s` sorts by score (variants by abs(delta)) |
| `e` | export the features and variants in view as TSV (to the save directory) |
| `S` | save an SVG screenshot (to the save directory; the palette's Screenshot does the same) |
| click | a feature or variant: select it and show its details |
| `?` | this help |
| `q` | quit |

**Locus box.** `chr2:1,000,001-1,050,000` shows bases 1,000,001 to 1,050,000: positions are
**1-based and inclusive**, as in UCSC and IGV (inside, genebert works 0-based half-open:
that is `chr2 1000000 1050000` in BED). `chr2:1,234,567` shows 41 bp centred on that base;
`chr2` the whole contig; a name (`MYT1L`) the feature of that name in any loaded BED/GTF/VCF; the
start of a name (`MYT`) lists the names that begin so (one match: it goes there).

**Tracks.** bigWig / bedGraph: one bar per column, the statistic (max by default for
probability tracks, whose values all lie in [0, 1], so that a one-base peak is not averaged away;
mean otherwise) and the y range in the header; at base level each base is one full-width bar.
Never read whole: each view asks the zoom levels. BED/narrowPeak/GTF: blocks labelled with name
and score; BED12 and GTF exons are full blocks joined by a thin intron line with strand arrows
(`›` plus, `‹` minus). A track line with `useScore=1` shades blocks by score (brighter = higher,
0-1000), an `r,g,b` itemRgb column colours them. Sequence: at base level; `N` past the FASTA's end.

**Variant colours.** Each VCF record shows its score: GENEBERT_RISK (the delta, alt - ref, of
largest magnitude over the model's outputs), else the largest GENEBERT delta.
**Red** = the ALT raises a predicted probability (delta > 0), **blue** = it lowers one
(delta < 0), white = delta 0 or no score, dim = not scored (the GENEBERT_SKIP reason is shown).

Press `escape` or `?` to close.
"""


class HelpScreen(ModalScreen[None]):
    """The key reference, over the browser."""

    BINDINGS = [("escape,question_mark,q", "app.pop_screen", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 110; height: 90%; border: thick $accent;
                                  background: $surface; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)
