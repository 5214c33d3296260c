"""The result cache of one worker: recent answers for the current store version."""

from __future__ import annotations

import threading
from collections import OrderedDict


class ResultCache:
    """Recent answers of one worker, for the current store version only, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.version: str | None = None
        self.entries: OrderedDict[tuple, tuple[str, bytes]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, version: str, key: tuple) -> tuple[str, bytes] | None:
        if version != self.version or not self.entries:
            return None
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
            return hit

    def put(self, version: str, key: tuple, media: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self.lock:
            if version != self.version:
                self.entries.clear()
                self.size = 0
                self.version = version
            if key in self.entries:
                return
            self.entries[key] = (media, body)
            self.size += len(body)
            while self.size > self.max_bytes:
                _, (_, old) = self.entries.popitem(last=False)
                self.size -= len(old)
