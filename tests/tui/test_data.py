"""The browser's data layer: tracks for a locus at a resolution, without Textual or torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

from genebert_tool.tui.data import (
    FeatureView,
    SequenceView,
    SignalTrack,
    SignalView,
)
from genebert_tool.tui.locus import POINT_WIDTH, Locus
from tui_helpers import CHR1_LEN, track_set, write_bigwig  # noqa: F401  (track_set: a fixture)


# ---- tests ------------------------------------------------------------------------------------


def test_data_layer_imports_neither_textual_nor_torch():
    code = (
        "import sys; import genebert_tool.tui.data, genebert_tool.tui.locus; "
        "bad = [m for m in ('textual', 'torch') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_signal_bins_are_means_per_column(tmp_path):
    track = SignalTrack(write_bigwig(tmp_path / "s.bw"))
    view = track.signal(Locus("chr1", 0, 4000), 4)
    assert view.values == (1.0, 3.0, None, None)
    assert (view.low, view.high) == (0.0, 3.0)
    # A bin that straddles the step averages over the covered bases.
    assert track.signal(Locus("chr1", 500, 1500), 1).values == (2.0,)


def test_signal_past_contig_end_and_unknown_contig(tmp_path):
    track = SignalTrack(write_bigwig(tmp_path / "s.bw"))
    # chr2 is 5,000 bp long: the right half of this view has no bases at all.
    view = track.signal(Locus("chr2", 0, 10_000), 4)
    assert view.values[0] == pytest.approx(7.0 * 100 / 100) and view.values[2:] == (None, None)
    assert track.signal(Locus("chrX", 0, 100), 3).values == (None, None, None)
    assert track.signal(Locus("2", 0, 100), 1).values == (7.0,)  # name normalised


def test_signal_is_read_per_view_through_zoom_levels(tmp_path):
    """Only bw.stats(..., nBins=n_cols) is called - never values()/intervals() over the view."""
    track = SignalTrack(write_bigwig(tmp_path / "s.bw"))
    calls = []

    class Spy:
        def __init__(self, bw):
            self._bw = bw

        def __getattr__(self, name):
            attr = getattr(self._bw, name)

            def record(*args, **kwargs):
                calls.append((name, args, kwargs))
                return attr(*args, **kwargs)

            return record

    track._bw = Spy(track._bw)
    track.signal(Locus("chr1", 0, CHR1_LEN), 120)
    assert [c[0] for c in calls] == ["stats"]
    assert calls[0][2] == {"type": "mean", "nBins": 120}


def test_sequence_only_at_base_level(track_set):
    base = track_set.view(Locus("chr1", 4, 12), 8)
    assert next(v for v in base if isinstance(v, SequenceView)).sequence == "ACGTACGT"
    zoomed_out = track_set.view(Locus("chr1", 0, 1000), 80)
    assert next(v for v in zoomed_out if isinstance(v, SequenceView)).sequence is None
    kinds = [type(v) for v in base]
    assert kinds == [SequenceView, SignalView, FeatureView, FeatureView, FeatureView]


def test_next_and_previous_item_by_start(track_set):
    # Starts: geneA 100, rs1 149, geneB 150, peak1 1000, <DEL> 3000, geneC 5000, then chr2's geneD.
    view = Locus("chr1", 0, 100)  # centre 50
    assert track_set.next_item(view).name == "geneA"
    order, item = [], None
    for _ in range(7):
        item = track_set.next_item(view, after=item)
        order.append(item.name)
    assert order == ["geneA", "rs1", "geneB", "peak1", "chr1:3001C><DEL>", "geneC", "geneD"]
    assert track_set.next_item(view, after=item) is None
    back = [track_set.next_item(view, reverse=True, after=i).name for i in (item, track_set.find("geneB"))]
    assert back == ["geneC", "rs1"]
    # Without an anchor the centre of the view (300) decides.
    assert track_set.next_item(Locus("chr1", 200, 400)).name == "peak1"
    assert track_set.next_item(Locus("chr1", 200, 400), reverse=True).name == "geneB"
    # Within one track only.
    assert track_set.next_item(view, track="v.vcf").name == "rs1"
    assert track_set.next_item(view, after=track_set.find("rs1"), track="v.vcf").start == 3000


def test_item_locus_small_items_get_a_point_window(track_set):
    rs1 = track_set.find("rs1")
    assert rs1.locus() == Locus("chr1", 149 - POINT_WIDTH // 2, 149 - POINT_WIDTH // 2 + POINT_WIDTH)
    assert track_set.find("geneB").locus() == Locus("chr1", 150, 400)


def test_contigs_merge_lengths_from_all_tracks(track_set):
    assert track_set.contigs == {"chr1": CHR1_LEN, "chr2": 5_000}
