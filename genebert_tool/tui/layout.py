"""Column arithmetic for drawing tracks: which columns an interval covers, and rows for labelled
blocks that never hide one another. Pure functions, no Textual."""

from __future__ import annotations

import math

from genebert_tool.tui.locus import Locus

#: Columns left of the data, for track names and the y-axis range.
GUTTER = 10


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


def short_number(value: float) -> str:
    """A number in at most 8 characters, for the y axis."""
    text = f"{value:.4g}"
    return text if len(text) <= 8 else f"{value:.1e}"


def longest_gap(c0: int, c1: int, exon_cols: list[tuple[int, int]]) -> tuple[int, int]:
    """The widest run of columns in ``[c0, c1)`` outside every exon: ``(first, length)``."""
    covered = bytearray(max(0, c1 - c0))
    for e0, e1 in exon_cols:
        covered[max(0, e0 - c0) : max(0, e1 - c0)] = b"\x01" * max(0, min(e1, c1) - max(e0, c0))
    best, run_start = (c0, 0), None
    for k in range(len(covered) + 1):
        if k < len(covered) and not covered[k]:
            run_start = k if run_start is None else run_start
        elif run_start is not None:
            if k - run_start > best[1]:
                best = (c0 + run_start, k - run_start)
            run_start = None
    return best
