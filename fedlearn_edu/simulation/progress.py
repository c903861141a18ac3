"""A one-line text progress bar for long runs (shown only when a run will take a while)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``Progress(total, show=None)``; call ``update(done)`` after each round and ``close()`` at the end.

    ``show=None`` decides after the first round: the bar appears only if the whole run is expected to
    take more than ``after_seconds`` (so short runs, like those in the lessons, print nothing).
    """

    def __init__(
        self, total: int, show: bool | None = None, after_seconds: float = 5.0, stream: TextIO | None = None
    ):
        self.total, self.show, self.after_seconds = total, show, after_seconds
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self.shown = False

    def update(self, done: int) -> None:
        elapsed = time.perf_counter() - self.start
        if self.show is None:
            self.show = elapsed / max(done, 1) * self.total > self.after_seconds
        if not self.show:
            return
        width = 30
        filled = int(width * done / self.total)
        left = elapsed / max(done, 1) * (self.total - done)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\rround {done}/{self.total} [{bar}] {left:4.0f} s left ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
