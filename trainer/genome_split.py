"""The project's genome split: which bases may be trained on, which select models, which are hidden.

``chr22 >= 38,000,000`` is the hidden test region: its labels are not in the shared data and nothing
from it -- sequence included -- is used for training, pre-training or model selection. Models are
selected on a dev region inside the train region (``chr22:30,000,000-38,000,000``). Everything else on
``chr22`` and the hg38 chr2 piece is train. Every genome-trained model records this split in its
``split.json`` (``GenomeSplit.to_json``), and ``check_allowed`` guards every window a training or
selection step reads.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from genebert_tool.errors import InputError

__all__ = [
    "TEST_REGION",
    "DEV_REGIONS",
    "TRAIN_REGIONS",
    "Interval",
    "GenomeSplit",
    "DEFAULT_SPLIT",
    "in_test_region",
    "check_allowed",
    "test_region_rows",
]


@dataclass(frozen=True)
class Interval:
    """``[start, end)`` on ``chrom`` (``end=None``: to the contig end)."""

    chrom: str
    start: int
    end: int | None

    def overlaps(self, chrom: str, start: int, end: int) -> bool:
        return chrom == self.chrom and end > self.start and (self.end is None or start < self.end)

    def contains(self, chrom: str, start: int, end: int) -> bool:
        return chrom == self.chrom and start >= self.start and (self.end is None or end <= self.end)

    def __str__(self) -> str:
        return f"{self.chrom}:{self.start}-{'end' if self.end is None else self.end}"


TEST_REGION = Interval("chr22", 38_000_000, None)
DEV_REGIONS = (Interval("chr22", 30_000_000, 38_000_000),)
TRAIN_REGIONS = (Interval("chr22", 0, 30_000_000), Interval("chr2", 0, 2_333_275))


def in_test_region(chrom: str, start: int, end: int) -> bool:
    """True when ``[start, end)`` on ``chrom`` touches the hidden test region."""
    return TEST_REGION.overlaps(chrom, start, end)


def check_allowed(chrom: str, start: int, end: int, *, what: str = "window") -> None:
    """Raise ``InputError`` for any interval that touches the hidden test region."""
    if in_test_region(chrom, start, end):
        raise InputError(f"{what} {chrom}:{start}-{end} touches the hidden test region {TEST_REGION}; "
                         "nothing from it may be used for training or model selection")


@dataclass(frozen=True)
class GenomeSplit:
    """Train and dev intervals of a genome-trained model (the test region is fixed)."""

    train: tuple[Interval, ...] = TRAIN_REGIONS
    dev: tuple[Interval, ...] = DEV_REGIONS
    extra: dict = field(default_factory=dict)

    def part_of(self, chrom: str, start: int, end: int) -> str | None:
        """"train", "dev", "test" or None (in no part, e.g. spanning a boundary)."""
        if in_test_region(chrom, start, end):
            return "test"
        if any(iv.contains(chrom, start, end) for iv in self.dev):
            return "dev"
        if any(iv.contains(chrom, start, end) for iv in self.train) and not any(
            iv.overlaps(chrom, start, end) for iv in self.dev
        ):
            return "train"
        return None

    def to_json(self) -> dict:
        return {
            "kind": "genome",
            "test_region": str(TEST_REGION),
            "train_regions": [str(iv) for iv in self.train],
            "dev_regions": [str(iv) for iv in self.dev],
            "rule": "windows lie wholly inside one part; nothing touches the test region",
            **self.extra,
        }


DEFAULT_SPLIT = GenomeSplit()


def test_region_rows(table: str | Path, files: Iterable[str] | None = None) -> dict[str, set[int]]:
    """Rows of older shared files that lie in the test region, from
    ``split/shared_rows_in_chr22_test_region.tsv`` (columns file, row, label, reason): relative file
    path -> set of row numbers as the table gives them."""
    path = Path(table)
    out: dict[str, set[int]] = {}
    try:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            for lineno, rec in enumerate(reader, start=2):
                try:
                    out.setdefault(rec["file"], set()).add(int(rec["row"]))
                except (KeyError, TypeError, ValueError) as exc:
                    raise InputError(f"bad row ({exc})", path=str(path), line=lineno) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", path=str(path)) from exc
    if files is not None:
        wanted = set(files)
        out = {k: v for k, v in out.items() if k in wanted}
    return out
