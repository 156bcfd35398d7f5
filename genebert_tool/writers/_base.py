"""What every writer shares: used as a context manager, it commits on success and aborts on error."""

from __future__ import annotations

from typing import Self


class CommitOrAbort:
    """Mixin for writers with ``close()`` (finish the temp file and rename it into place) and
    ``abort()`` (delete the temp file): a ``with`` block that raises leaves no complete-looking file."""

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def abort(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
