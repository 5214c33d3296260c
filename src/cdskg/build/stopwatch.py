"""CPU seconds per stage of a build, for seeing where its time goes."""

from __future__ import annotations

import time
from collections.abc import Mapping


class Stopwatch:
    """CPU seconds per stage, summed over articles: where a build's time goes (the
    report's ``timings``, the benchmark's breakdown).

    Process CPU time, not wall time: another process on the same core does not count,
    and threads of this process (the pool's result reader, the bulk loader's) do. A lap
    costs about a microsecond; an article has a dozen.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.process_time()

    def restart(self) -> None:
        self._last = time.process_time()

    def lap(self, stage: str) -> None:
        now = time.process_time()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self._last = now

    def add(self, seconds: Mapping[str, float]) -> None:
        for stage, spent in seconds.items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + spent
