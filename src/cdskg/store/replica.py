"""Read replicas: a finished generation copied next to another serving store and switched.

A generation (``STORE/generations/NNNNNN/``) is a complete Oxigraph store that nothing
writes once it is in service, so a plain copy of its files is a complete store too.
:func:`publish` copies one into ``DIR/generations/NNNNNN.partial/``, renames it to its own
name and moves ``DIR/current`` to it with the rename :func:`switch_current` uses for a build:
servers on ``DIR`` see the new version on their next request, never half a copy. The
generation keeps its name, which is the ``X-Store-Version`` servers answer with, so every
replica fed from one build answers with the same version.

The copy is plain files (no hard links, no store API), so ``DIR`` may be a mounted folder,
and a generation already moved with ``rsync`` may be published from where it landed.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cdskg.errors import StoreError
from cdskg.store.generations import (
    StoreLayout,
    fsync_dir,
    remove_unfinished,
    switch_current,
    write_lock,
)

#: RocksDB's information logs, written by every process that opens the store (readers
#: too): not data, and a server may append to them while they are copied.
_NOT_COPIED = ("LOG", "LOG.old.")


@dataclass(frozen=True)
class Published:
    generation: str
    target: Path
    copied_bytes: int
    #: False when ``DIR`` already served this generation (nothing was copied)
    switched: bool


def source_generation(source: Path) -> Path:
    """The generation folder that ``source`` names: a store's current generation, or a
    generation folder itself (``…/generations/000007``, or one moved elsewhere by rsync)."""
    source = Path(source)
    layout = StoreLayout(source)
    if layout.current_link.is_symlink():
        current = layout.current()
        assert current is not None
        return current
    if source.name.isdigit() and (source / "CURRENT").is_file():
        return source.resolve()
    raise StoreError(
        f"{source}: neither a cdskg store (no 'current' link) nor a generation folder"
        " (a folder named like 000007 holding an Oxigraph store); give --store STORE, or"
        " --store STORE/generations/NNNNNN"
    )


def publish(source: Path, target: Path) -> Published:
    """Copy the generation ``source`` names (see :func:`source_generation`) into the store
    folder ``target`` (made if missing) and put it in service there.

    :raises StoreError: the source is no generation, the copy does not open as a store,
        or ``target`` already serves a newer generation (replicas never go back in time).
    """
    generation = source_generation(source)
    name = generation.name
    target = Path(target)
    layout = StoreLayout(target)
    with write_lock(target):
        served = layout.current_id()
        if served == name:
            return Published(name, target, 0, switched=False)
        if served is not None and served.isdigit() and int(served) > int(name):
            raise StoreError(
                f"{target}: serves generation {served}, newer than {name} from {source};"
                " publish the newer generation, or remove the replica's 'current' link to"
                " start it over"
            )
        layout.generations.mkdir(parents=True, exist_ok=True)
        remove_unfinished(layout)
        work = layout.generations / f"{name}.partial"
        try:
            copied = _copy_files(generation, work)
            _check_opens(work, generation)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        final = layout.generations / name
        if final.exists():  # an older copy that never went into service
            shutil.rmtree(final)
        os.rename(work, final)
        _copy_report(generation, layout)
        switch_current(layout, final)
    return Published(name, target, copied, switched=True)


def _copy_files(generation: Path, work: Path) -> int:
    work.mkdir(parents=True)
    total = 0
    for entry in sorted(generation.iterdir()):
        if entry.name.startswith(_NOT_COPIED) or not entry.is_file():
            continue
        shutil.copyfile(entry, work / entry.name)
        with (work / entry.name).open("rb+") as fh:
            os.fsync(fh.fileno())  # on disk before 'current' may point at it
        total += entry.stat().st_size
    fsync_dir(work)
    return total


def _check_opens(work: Path, generation: Path) -> None:
    try:
        store = ox.Store.read_only(str(work))
    except OSError as exc:
        raise StoreError(
            f"{work}: the copy of {generation} does not open as a store ({exc}); was the"
            " source a finished generation? The replica still serves what it served"
        ) from exc
    del store


def _copy_report(generation: Path, layout: StoreLayout) -> None:
    """The build report of the generation, if its store kept one (``/validation`` shows it)."""
    report = generation.parent.parent / "reports" / f"{generation.name}.json"
    if report.is_file():
        layout.write_report(generation.name, report.read_text(encoding="utf-8"))
