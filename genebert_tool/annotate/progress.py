"""Progress a scheduler can read: when stderr is not a terminal (no tqdm bar), one line every
``--log-every`` seconds with the model windows done out of the total, records, rate and ETA.

The total comes from a quick pre-pass over the input (``RegionRunner.estimate`` /
``VariantRunner.estimate``: lines parsed, nothing scored); it is an upper bound, since rows the
reader rejects count in it. Without one (stdin) lines say ``?`` for the total and the ETA.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def format_duration(seconds: float) -> str:
    """``1:02:03`` / ``4:05`` for a duration in seconds."""
    s = int(round(max(seconds, 0.0)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressLog:
    """Call ``update(windows, records)`` after each chunk; logs through ``log`` every ``every`` seconds."""

    def __init__(self, log: Callable[[str], None], total_windows: int | None, *, every: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.log, self.total, self.every, self.clock = log, total_windows, every, clock
        self.started = clock()
        self.last = float("-inf")  # the first chunk logs at once: its rate gives the first ETA
        self.windows = self.records = 0

    def line(self, now: float) -> str:
        """``done/total model windows (pct), records, rate, elapsed, ETA`` at clock time ``now``."""
        elapsed = now - self.started
        rate = self.windows / elapsed if elapsed > 0 else 0.0
        eta = None if self.total is None or rate <= 0 else max(self.total - self.windows, 0) / rate
        if self.total:
            done = f"{self.windows}/{self.total} model windows ({100.0 * min(self.windows / self.total, 1.0):.1f}%)"
        else:
            done = f"{self.windows}/? model windows"
        return (f"genebert annotate: {done}, {self.records} records, {rate:.1f} windows/s, "
                f"elapsed {format_duration(elapsed)}, "
                f"ETA {'?' if eta is None else format_duration(eta)}")

    def update(self, windows: int, records: int) -> None:
        self.windows += windows
        self.records += records
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.log(self.line(now))
