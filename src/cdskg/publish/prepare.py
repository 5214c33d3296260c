"""The download files of one store version, prepared in a process of their own.

Writing every download (five whole-graph formats, the pillar files, checksums) takes
minutes on a large store: 137 s at 100k observations. Done inside a web request, it held
a worker far past gunicorn's worker timeout, which killed it and threw the half-written
files away, so the next request started over and a large store never got its downloads.
So the server asks for them here: :func:`ensure` returns the manifest when the files are
ready, and otherwise starts ``python -m cdskg.publish.prepare STORE VERSION FOLDER`` (once: the
folder's lock tells whether a preparer is already at work), waits a little, and returns
``None`` if they are still being written; the web layer then answers ``503`` with
``Retry-After``. The preparer survives the worker that started it, and a preparer that
dies leaves no manifest and no lock, so the next request starts another one.

``cdskg serve`` does not wait for that first request: its :class:`Watcher` starts the
preparer of each store version as soon as the version is current (at start, and after
each build or update), so the files are usually ready by the time anyone asks.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cdskg.publish import aggregates, answers, datafiles, search_index
from cdskg.settings import from_env
from cdskg.store.generations import StoreLayout

log = logging.getLogger("cdskg.publish.prepare")

#: Written next to the files while a preparer runs; keeps what it printed if it fails.
LOG_NAME = "prepare.log"
#: Written when a preparer fails, so requests report it instead of retrying at once.
FAILED_NAME = "failed"
#: How long a failure is reported before a request tries again (seconds).
RETRY_AFTER_FAILURE = 60.0


@dataclass(frozen=True)
class Pending:
    """The files are not ready: being written since ``since`` (epoch s), or failed."""

    since: float
    failed: str | None = None


def _busy(folder: Path) -> bool:
    """Whether a preparer holds the folder's lock (the one :func:`datafiles.build_downloads`
    takes); the kernel drops an flock when its holder dies, so this never sticks."""
    lock = folder / ".lock"
    with lock.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def _failure(folder: Path) -> str | None:
    marker = folder / FAILED_NAME
    try:
        age = time.time() - marker.stat().st_mtime
    except FileNotFoundError:
        return None
    if age > RETRY_AFTER_FAILURE:
        marker.unlink(missing_ok=True)
        return None
    return marker.read_text(encoding="utf-8", errors="replace").strip() or "unknown error"


def downloads_root(store_root: Path) -> Path:
    """Where the download files of a store are written, one folder per version (shared by
    every server of that store on this machine)."""
    key = hashlib.sha256(str(Path(store_root).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"cdskg-downloads-{key}"


def start(store_root: Path, version: str, folder: Path) -> None:
    """Start a preparer process for ``version`` (detached: it outlives the caller)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOG_NAME).open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cdskg.publish.prepare", str(store_root), version, str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # not killed with the worker that started it
        )
    # Reap it when it ends, so a long-lived server collects no zombies; should this
    # process end first, init adopts the preparer and it carries on.
    threading.Thread(target=proc.wait, name="cdskg-prepare-reaper", daemon=True).start()


def ensure(store_root: Path, version: str, folder: Path, *, wait: float) -> dict | Pending:
    """The manifest once the files of ``version`` are ready; start a preparer if none runs
    and wait up to ``wait`` seconds for it, else say since when they are being written."""
    manifest = datafiles.ready_manifest(folder, version)
    if manifest is not None:
        return manifest
    if not kick(store_root, version, folder):
        failed = _failure(folder)
        if failed is not None:
            return Pending(since=(folder / FAILED_NAME).stat().st_mtime, failed=failed)
    began = time.time()
    deadline = time.monotonic() + wait
    while True:
        manifest = datafiles.ready_manifest(folder, version)
        if manifest is not None:
            return manifest
        failed = _failure(folder)
        if failed is not None:
            return Pending(since=began, failed=failed)
        if time.monotonic() >= deadline:
            log = folder / LOG_NAME
            since = log.stat().st_mtime if log.exists() else began
            return Pending(since=min(since, began))
        time.sleep(0.05)


def ensure_search_index(
    store_root: Path, version: str, folder: Path, *, wait: float
) -> Path | Pending:
    """The search index of ``version`` once written (the preparer writes it first, in
    seconds, before the download files); like :func:`ensure`, starts a preparer if none
    runs and waits up to ``wait`` seconds."""
    path = folder / search_index.INDEX_NAME
    if search_index.is_ready(path):
        return path
    kick(store_root, version, folder)
    began = time.time()
    deadline = time.monotonic() + wait
    while True:
        if search_index.is_ready(path):
            return path
        failed = _failure(folder)
        if failed is not None:
            return Pending(since=began, failed=failed)
        if time.monotonic() >= deadline:
            return Pending(since=began)
        time.sleep(0.05)


def _ready(folder: Path, version: str, store_root: Path | None = None) -> bool:
    if datafiles.ready_manifest(folder, version) is None:
        return False
    if not search_index.is_ready(folder / search_index.INDEX_NAME):
        return False
    if store_root is None:
        return True
    generation = StoreLayout(store_root).generations / version
    if not generation.is_dir():
        return True
    answered = answers.folder_of(folder, generation)
    return answers.is_done(answered) and (answered / aggregates.TABLES_NAME).is_file()


def kick(store_root: Path, version: str, folder: Path) -> bool:
    """Start a preparer for ``version`` unless its files are ready, are being written, or
    failed within the last ``RETRY_AFTER_FAILURE`` seconds; whether one was started."""
    if _ready(folder, version, store_root):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    if _failure(folder) is not None or _busy(folder):
        return False
    start(store_root, version, folder)
    return True


class Watcher:
    """Starts the preparer of each version of the store at ``store_root`` that becomes
    current, looking every ``interval`` seconds (a ``readlink``), in a thread of the
    server's master process while it runs."""

    def __init__(self, store_root: Path, interval: float = 2.0):
        self.store_root = Path(store_root)
        self.interval = interval
        self.seen: str | None = None
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="cdskg-downloads", daemon=True)

    def start(self) -> Watcher:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()

    def check(self) -> None:
        """Start the preparer of the current version if it is new to this watcher."""
        version = StoreLayout(self.store_root).current_id()
        if version is None or version == self.seen:
            return
        self.seen = version
        root = downloads_root(self.store_root)
        if kick(self.store_root, version, root / version):
            log.info("writing the download files of store version %s", version)

    def _watch(self) -> None:
        while not self.stopped.is_set():
            try:
                self.check()
            except OSError as exc:  # a store being rebuilt, a full disk: try again later
                log.warning("could not start writing the download files: %s", exc)
            self.stopped.wait(self.interval)


def prepare(store_root: Path, version: str, folder: Path) -> dict:
    """Write the search index, the pages' tables (:mod:`cdskg.publish.aggregates`), the
    catalogue's answers (:mod:`cdskg.publish.answers`), then the download files of
    ``version`` (what the preparer process runs); the download files last, as they take
    minutes."""
    generation = StoreLayout(store_root).generations / version
    store = ox.Store.read_only(str(generation))
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / search_index.INDEX_NAME
    if not search_index.is_ready(index):
        # under the folder's lock, so that requests see a preparer at work meanwhile
        with datafiles.locked(folder / ".lock"):
            if not search_index.is_ready(index):
                started = time.monotonic()
                count = search_index.build(store, index)
                log.info(
                    "search index of %s: %d documents in %.1f s",
                    version,
                    count,
                    time.monotonic() - started,
                )
    # then the pages' tables and the catalogue's answers, before the downloads (minutes)
    answered = answers.folder_of(folder, generation)
    tables = answered / aggregates.TABLES_NAME
    if not tables.is_file():
        with datafiles.locked(folder / ".lock"):
            started = time.monotonic()
            answered.mkdir(parents=True, exist_ok=True)
            rows = aggregates.compute(store, tables)
            log.info(
                "page tables of %s: %d rows in %.1f s", version, rows, time.monotonic() - started
            )
    if not answers.is_done(answered):
        with datafiles.locked(folder / ".lock"):
            started = time.monotonic()
            done = answers.write_all(generation, answered, time_limit=from_env().prepare_timeout)
            given_up = sorted(n for n, r in done["queries"].items() if "given_up" in r)
            log.info(
                "catalogue answers of %s in %.1f s%s",
                version,
                time.monotonic() - started,
                f"; given up: {', '.join(given_up)}" if given_up else "",
            )
    return datafiles.build_downloads(store, version, folder)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m cdskg.publish.prepare STORE VERSION FOLDER", file=sys.stderr)
        return 2
    store_root, version, folder = Path(args[0]), args[1], Path(args[2])
    try:
        prepare(store_root, version, folder)
    except Exception as exc:  # reported to the requests through the marker, then re-raised
        (folder / FAILED_NAME).write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
        raise
    (folder / FAILED_NAME).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
