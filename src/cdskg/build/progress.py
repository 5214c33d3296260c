"""Build progress: a bar on a terminal, plain lines otherwise (logs, CI)."""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO


class _Outcome(Protocol):
    file: str
    status: str
    facts: int
    rejected: list


class ProgressPrinter:
    """Reports progress on ``stream`` (stderr by default).

    On a terminal one line is redrawn (at most ten times a second); elsewhere each built
    article gets a line of its own, so logs say what happened to which file.
    """

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.total = 0
        self.done = 0
        self.facts = 0
        self.problems = 0
        self._started = time.monotonic()
        self._drawn = 0.0

    def note(self, message: str) -> None:
        self._clear()
        print(message, file=self.stream)

    def start(self, total: int, removing: int = 0) -> None:
        """``total`` articles to build, ``removing`` to drop (``--prune``)."""
        self.total = total
        self._started = time.monotonic()
        if total == 0 and removing:
            gone = "article is" if removing == 1 else "articles are"
            self.note(f"no article to build; {removing} {gone} no longer in the corpus: removing")
        elif total == 0:
            self.note("nothing to build: every article is unchanged")

    def advance(self, outcome: _Outcome) -> None:
        self.done += 1
        self.facts += outcome.facts
        if outcome.status in ("rejected", "failed") or outcome.rejected:
            self.problems += 1
        if not self.tty:
            extra = f", {len(outcome.rejected)} held back" if outcome.rejected else ""
            name = outcome.file.rsplit("/", 1)[-1]
            status = f"{outcome.status}, {outcome.facts} facts{extra}"
            print(f"[{self.done}/{self.total}] {name}: {status}", file=self.stream)
            return
        now = time.monotonic()
        if now - self._drawn >= 0.1 or self.done == self.total:
            self._drawn = now
            self._draw()

    def _draw(self) -> None:
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        elapsed = time.monotonic() - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} articles"
            f" · {self.facts} facts · {self.problems} with problems"
            f" · {rate:.1f}/s · ETA {eta:.0f}s "
        )
        self.stream.flush()

    def _clear(self) -> None:
        if self.tty and self.done:
            self.stream.write("\r\033[K")

    def finish(self) -> None:
        if self.tty and self.total:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
