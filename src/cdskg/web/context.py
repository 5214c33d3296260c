"""Per-application resources, opened once and kept off module globals."""

from __future__ import annotations

import pyoxigraph as ox
from flask import current_app

from cdskg.settings import Settings
from cdskg.store.generations import ReadOnlyStore


def store() -> tuple[ox.Store, str]:
    """The current store generation (read-only) and its version id."""
    reader: ReadOnlyStore = current_app.extensions["cdskg.store"]
    return reader.get()


def settings() -> Settings:
    return current_app.extensions["cdskg.settings"]
