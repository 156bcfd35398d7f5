"""Tab-separated text tables (TSV, and the base of the BED writers): comments, a header, rows.

Writers compute nothing: they format the values they are given (floats with
``formats.schema.format_score``: four decimals, never ``-0.0000``; ``None``/NaN as ``.``) and write them. Output goes through ``atomic_write`` (temp file + rename
on ``close()``; ``abort()`` drops it), ``-`` writes to stdout, ``.gz`` compresses.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence

from genebert_tool.formats.schema import MISSING, format_score
from genebert_tool.genome.io import atomic_write
from genebert_tool.writers._base import CommitOrAbort



def format_value(value: object) -> str:
    """One table cell: floats (numpy's too) by ``schema.format_score``, ``None`` as ``.``, the rest ``str``."""
    if value is None:
        return MISSING
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        return format_score(float(value))
    return str(value)


class TableWriter(CommitOrAbort):
    """Write ``#``-comment lines, an optional header line, then rows.

    ``header_prefix`` is put before the column names (``"#"`` for BED files, where a bare header
    line would be read as a record; ``""`` for TSV).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        comments: Sequence[str] = (),
        columns: Sequence[str] | None = None,
        header_prefix: str = "",
    ) -> None:
        self.path = path
        self._ctx = atomic_write(path)
        self._fh = self._ctx.__enter__()
        self.n_rows = 0
        for line in comments:
            self._fh.write(f"#{line}\n" if not line.startswith("#") else f"{line}\n")
        if columns is not None:
            self._fh.write(header_prefix + "\t".join(columns) + "\n")

    def write_row(self, values: Iterable[object]) -> None:
        """One row; each value goes through ``format_value``."""
        self._fh.write("\t".join(format_value(v) for v in values) + "\n")
        self.n_rows += 1

    def write_rows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.write_row(row)

    def close(self) -> None:
        """Finish and move the file into place."""
        if self._ctx is not None:
            ctx, self._ctx = self._ctx, None
            ctx.__exit__(None, None, None)

    def abort(self) -> None:
        """Drop the partial file (the target is left untouched)."""
        if self._ctx is not None:
            ctx, self._ctx = self._ctx, None
            try:
                raise RuntimeError("aborted")
            except RuntimeError:
                ctx.__exit__(*sys.exc_info())


class TsvWriter(TableWriter):
    """A TSV with a plain header line (``name  start  end  <outputs...>``) after ``#`` comments."""

    def __init__(self, path: str | os.PathLike, columns: Sequence[str], *, comments: Sequence[str] = ()) -> None:
        super().__init__(path, comments=comments, columns=columns, header_prefix="")
