"""A one-line text progress bar for long runs (shown only when a run will take a while)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from fedlearn_edu.i18n import t

__all__ = ["Progress"]


class Progress:
    """``Progress(total, show=None)``; call ``update(done)`` after each round and ``close()`` at the end.

    ``show=None``: the bar appears once the run has taken ``after_seconds`` and is not finished (so
    short runs, like those in the lessons, print nothing, even on a slow machine).
    """

    def __init__(
        self, total: int, show: bool | None = None, after_seconds: float = 3.0, stream: TextIO | None = None
    ):
        self.total, self.show, self.after_seconds = total, show, after_seconds
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self.shown = False
        self.last_text = ""

    def update(self, done: int) -> None:
        elapsed = time.perf_counter() - self.start
        if self.show is False or (self.show is None and (elapsed < self.after_seconds or done >= self.total)):
            return
        width = 30
        filled = int(width * done / self.total)
        left = elapsed / max(done, 1) * (self.total - done)
        bar = "#" * filled + "-" * (width - filled)
        text = "\r" + t(
            "[{bar}] {percent:3d}% of {total} rounds, {left:4.0f} s left ",
            bar=bar,
            percent=100 * done // self.total,
            total=self.total,
            left=left,
        )
        if text != self.last_text:  # at most ~100 updates: logs stay short where \r cannot rewind
            self.stream.write(text)
            self.stream.flush()
            self.last_text, self.shown = text, True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
