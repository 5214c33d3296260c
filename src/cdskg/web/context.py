"""Per-application resources, opened once and kept off module globals: the settings and the
one view of the store that every view (pages, ``/sparql``, downloads) reads through."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pyoxigraph as ox
from flask import current_app

from cdskg.publish import answers, prepare
from cdskg.settings import Settings
from cdskg.store.generations import ReadOnlyStore, Stamp, StoreLayout


class StoreView:
    """The current store generation for one worker, noticed cheaply when a build or an
    update makes a new one current.

    While the stamp in memory (see :class:`cdskg.store.generations.Stamp`) stays the same,
    :meth:`get` costs no system call; when it changes, and at least every ``RECHECK``
    seconds, the ``current`` link is read and the store reopened if it moved. A store
    without a stamp (made by an older cdskg, a link moved by hand) costs a readlink.
    """

    #: Seconds between two looks at the ``current`` link itself, for switches that did not
    #: rewrite the stamp.
    RECHECK = 1.0

    def __init__(self, reader: ReadOnlyStore):
        self.reader = reader
        self._link = str(reader.layout.current_link)
        self._stamp = Stamp(reader.layout)
        #: the stamp, the link's target, the store, its version, when the link was read
        self._seen: tuple[bytes | None, str, ox.Store, str, float] | None = None

    def get(self) -> tuple[ox.Store, str]:
        """The current generation and its version id."""
        seen = self._seen
        stamp = self._stamp.read()
        now = time.monotonic()
        if seen is not None and now - seen[4] < self.RECHECK:
            if stamp is not None:
                if stamp == seen[0]:
                    return seen[2], seen[3]
            else:
                with contextlib.suppress(OSError):
                    if os.readlink(self._link) == seen[1]:
                        return seen[2], seen[3]
        self._stamp.open()
        stamp = self._stamp.read()
        try:
            target = os.readlink(self._link)
        except OSError:
            target = ""
        st, version = self.reader.get()  # reopens the store only if the link moved
        self._seen = (stamp, target, st, version, now) if target else None
        return st, version


def store() -> tuple[ox.Store, str]:
    """The current store generation (read-only) and its version id."""
    view: StoreView = current_app.extensions["cdskg.store.view"]
    return view.get()


def settings() -> Settings:
    return current_app.extensions["cdskg.settings"]


def answers_folder(version: str) -> Path | None:
    """The folder of what the preparer computed for ``version`` (the catalogue's answers,
    the pages' tables: :mod:`cdskg.publish.answers`); None without a store folder. Found
    again on each call (two small reads): a store made again at the same path has another
    identity at once."""
    root = settings().store
    if root is None:
        return None
    generation = StoreLayout(Path(root)).generations / version
    try:
        return answers.folder_of(prepare.downloads_root(Path(root)) / version, generation)
    except OSError:
        return None
