"""GTF / GFF features for the browser, with their exon structure. No Textual, no torch.

A GTF with ``gene`` records is drawn as genes: each gene's exons (over all its transcripts,
merged) are its blocks, as in IGV's collapsed mode. Without ``gene`` records, each transcript is
one feature with its exons as blocks (grouped by ``transcript_id``). Other records (CDS, UTR,
start/stop codons) contribute nothing. GTF is 1-based inclusive; items are 0-based half-open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from genebert_tool.tui.records import Item, to_float

GTF_COLUMNS = ("seqname", "source", "feature", "start", "end", "score", "strand", "frame",
               "attribute")
_NAME_KEYS = ("gene_name", "Name", "transcript_name", "gene_id", "ID")


class _Owner(Protocol):
    name: str

    def reject(self, line: int, reason: str) -> None: ...


def read_gtf(path: Path, owner: _Owner) -> list[Item]:
    """Genes (or transcripts) of a GTF/GFF file; malformed lines go to ``owner.reject``."""
    from genebert_tool.genome.io import open_text

    records = []  # (line, parts, start, end, attrs)
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) != 9:
                owner.reject(lineno, f"expected 9 tab-separated columns, got {len(parts)}")
                continue
            try:
                start, end = int(parts[3]) - 1, int(parts[4])
            except ValueError:
                owner.reject(lineno, f"start/end are not integers: {parts[3]!r}, {parts[4]!r}")
                continue
            if end <= start:
                owner.reject(lineno, f"end ({end}) before start ({start + 1})")
                continue
            records.append((lineno, parts, start, end, gtf_attributes(parts[8])))
    has_genes = any(r[1][2] == "gene" for r in records)
    unit, key = ("gene", "gene_id") if has_genes else ("transcript", "transcript_id")
    exons: dict[str, list[tuple[int, int]]] = {}
    for _, parts, start, end, attrs in records:
        group = attrs.get(key) or attrs.get("Parent")
        if parts[2] == "exon" and group:
            exons.setdefault(group, []).append((start, end))
    heads = [r for r in records if r[1][2] == unit]
    seen = {r[4].get(key) for r in heads}
    # Transcripts known only from their exons: their extent is their exons' span.
    for _, parts, start, end, attrs in records:
        group = attrs.get(key)
        if not has_genes and parts[2] == "exon" and group and group not in seen:
            seen.add(group)
            span = exons[group]
            heads.append((0, [*parts[:2], unit, *parts[3:]], min(s for s, _ in span), max(e for _, e in span), attrs))
    items = []
    for lineno, parts, start, end, attrs in heads:
        name = next((attrs[k] for k in _NAME_KEYS if attrs.get(k)), f"{parts[0]}:{start + 1}-{end}")
        if unit == "transcript" and attrs.get("transcript_id") and attrs.get("gene_name"):
            name = f"{attrs['gene_name']} {attrs['transcript_id']}"
        cols = tuple(zip(GTF_COLUMNS[:8], parts[:8])) + tuple(attrs.items())
        blocks = _merge(exons.get(attrs.get(key, ""), []), start, end)
        items.append(Item(owner.name, "feature", parts[0], start, end, name, to_float(parts[5]), parts[6], cols,
                          score_of="score" if to_float(parts[5]) is not None else "", blocks=blocks, line=lineno))
    return items


def _merge(spans: list[tuple[int, int]], start: int, end: int) -> tuple[tuple[int, int], ...]:
    """Overlapping exons merged, clipped to ``[start, end)``; () for fewer than two."""
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged) if len(merged) > 1 else ()


def gtf_attributes(text: str) -> dict[str, str]:
    """``key "value";`` (GTF) or ``key=value;`` (GFF3) attributes; the first of a repeated key."""
    attrs: dict[str, str] = {}
    for part in text.strip().rstrip(";").split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" in part and " " not in part.split("=", 1)[0]:  # GFF3 key=value
            key, _, value = part.partition("=")
        else:
            key, _, value = part.partition(" ")
        attrs.setdefault(key, value.strip().strip('"'))
    return attrs
