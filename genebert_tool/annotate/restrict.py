"""``--region``, ``--regions BED`` and ``--shard K/N``: which part of the input one run annotates.

Every output row (BED record, tile, FASTA record, VCF record) is placed at its start (0-based; VCF:
``record.start``) and kept when

* ``--region chr:start-end`` (0-based half-open, commas allowed; repeatable) / ``--regions BED``:
  the start lies in one of the regions (a row is never cut; rows on contigs of no region are dropped);
* ``--shard K/N``: the start falls in the K-th of N consecutive, equally long pieces of the genome --
  the FASTA's contigs in index order (FASTA input: its records in file order), or the regions when
  given -- so shards 1..N of a genome-sorted input concatenate to the unsharded output. Rows that have
  no genome position (contig not in the genome, reader rejects) belong to the last shard.

Regions must lie inside their contig and must not overlap; a bad ``--shard`` is an ``InputError``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from genebert_tool.errors import InputError

_REGION = re.compile(r"^(?P<chrom>[^:\s]+):(?P<start>[\d,_]+)-(?P<end>[\d,_]+)$")
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True, slots=True)
class Region:
    chrom: str
    start: int
    end: int
    where: str  # for messages: "--region X" or "FILE:LINE"

    def __str__(self) -> str:
        return f"{self.chrom}:{self.start}-{self.end}"


def parse_region(spec: str) -> Region:
    """``chr:start-end`` (0-based half-open) -> ``Region``; ``InputError`` on bad syntax or an empty region."""
    m = _REGION.match(spec.strip())
    if not m:
        raise InputError(f"--region {spec!r}: expected CHROM:START-END (0-based, half-open), e.g. chr2:10000-20000")
    region = Region(m["chrom"], int(re.sub("[,_]", "", m["start"])), int(re.sub("[,_]", "", m["end"])),
                    f"--region {spec}")
    if region.start >= region.end:
        raise InputError(f"--region {spec}: empty region (start >= end)")
    return region


def parse_shard(spec: str | None) -> tuple[int, int] | None:
    """``"K/N"`` -> ``(K, N)`` with 1 <= K <= N; None for None."""
    if spec is None:
        return None
    m = _SHARD.match(str(spec))
    if not m:
        raise InputError(f"--shard {spec!r}: expected K/N, e.g. 2/8 (the second of eight pieces)")
    k, n = int(m[1]), int(m[2])
    if n < 1 or not 1 <= k <= n:
        raise InputError(f"--shard {spec}: K must be between 1 and N (got K={k}, N={n})")
    return k, n


def read_regions(specs: Sequence[str], bed: str | None) -> list[Region]:
    """Regions from ``--region`` strings and a ``--regions`` BED (its first three columns)."""
    regions = [parse_region(s) for s in specs]
    if bed:
        from genebert_tool.genome.bed import iter_bed

        for r in iter_bed(bed):  # a malformed line is an InputError naming file and line
            if r.start >= r.end:
                raise InputError("empty region (start >= end)", path=bed, line=r.line)
            regions.append(Region(r.chrom, r.start, r.end, f"{bed}:{r.line}"))
        if not regions:
            raise InputError("--regions file has no regions", path=bed)
    return regions


class Restriction:
    """Whether a row placed at ``(chrom, start)`` belongs to this run (module docstring).

    ``contigs``: ``(name, first, end)`` of every sequence in genome order (``first`` > 0 with a
    ``--genome-offset``); ``resolve``: input contig name -> name in ``contigs`` or None.
    """

    def __init__(self, contigs: Sequence[tuple[str, int, int]], resolve: Callable[[str], str | None],
                 regions: Sequence[Region] = (), shard: tuple[int, int] | None = None) -> None:
        self.resolve, self.shard, self.has_regions = resolve, shard, bool(regions)
        order = {name: i for i, (name, _, _) in enumerate(contigs)}
        bounds = {name: (lo, hi) for name, lo, hi in contigs}
        pieces: list[tuple[str, int, int]] = []
        named: dict[tuple[str, int], Region] = {}
        for r in regions:
            name = resolve(r.chrom)
            if name is None:
                raise InputError(f"{r.where}: contig {r.chrom!r} is not in the genome")
            lo, hi = bounds[name]
            if r.start < lo or r.end > hi:
                raise InputError(f"{r.where}: region {r} leaves the sequence of {name} ({lo}-{hi})")
            pieces.append((name, r.start, r.end))
            named[(name, r.start)] = r
        if regions:
            pieces.sort(key=lambda p: (order[p[0]], p[1]))
            for a, b in zip(pieces, pieces[1:]):
                if a[0] == b[0] and b[1] < a[2]:
                    ra, rb = named[a[:2]], named[b[:2]]
                    raise InputError(f"regions overlap: {ra} ({ra.where}) and {rb} ({rb.where})")
        else:
            pieces = [(name, lo, hi) for name, lo, hi in contigs if hi > lo]
        self._index: dict[str, tuple[list[int], list[int], list[int]]] = {}
        total = 0
        for name, lo, hi in pieces:
            starts, ends, before = self._index.setdefault(name, ([], [], []))
            starts.append(lo)
            ends.append(hi)
            before.append(total)
            total += hi - lo
        self.total_bases = total
        #: rows without a genome position and reader rejects are this run's (the last shard's) to report
        self.owns_unplaced = shard is None or shard[0] == shard[1]

    def keep(self, chrom: str, start: int) -> bool:
        name = self.resolve(chrom)
        found = self._index.get(name) if name is not None else None
        if found is None:
            return self.owns_unplaced and not self.has_regions
        starts, ends, before = found
        i = bisect.bisect_right(starts, start) - 1
        if self.has_regions and (i < 0 or start >= ends[i]):
            return False
        if self.shard is None:
            return True
        i = max(i, 0)
        offset = min(max(start - starts[i], 0), ends[i] - starts[i] - 1)  # before an offset / past the end: clamp
        k, n = self.shard
        return (before[i] + offset) * n // max(self.total_bases, 1) == k - 1


def build_restriction(fmt: str, source: str, genome, regions: Sequence[str], regions_bed: str | None,
                      shard: str | None) -> Restriction | None:
    """The run's ``Restriction`` (None without ``--region``/``--regions``/``--shard``): contigs from the
    genome (BED, VCF) or from a pre-pass over the FASTA input's records."""
    parsed, k_n = read_regions(regions, regions_bed), parse_shard(shard)
    if not parsed and k_n is None:
        return None
    if fmt == "fasta":
        contigs = fasta_contigs(source)
        names = {name for name, _, _ in contigs}
        return Restriction(contigs, lambda c: c if c in names else None, parsed, k_n)
    contigs = [(name, genome.start(name), end) for name, end in genome.contigs.items()]
    return Restriction(contigs, genome.resolve, parsed, k_n)


def fasta_contigs(source: str) -> list[tuple[str, int, int]]:
    """``(name, 0, length)`` of each FASTA record, first occurrence of a name, in file order (one pass)."""
    from genebert_tool.genome.intervals import RejectLog
    from genebert_tool.genome.sequences import iter_fasta_records

    if source == "-":
        raise InputError("--region/--regions/--shard with FASTA input need a file, not stdin (the records are "
                         "read twice)")
    seen: dict[str, int] = {}
    for _, name, seq in iter_fasta_records(source, rejects=RejectLog()):  # bad records: the real pass reports them
        seen.setdefault(name, len(seq))
    return [(name, 0, n) for name, n in seen.items()]
