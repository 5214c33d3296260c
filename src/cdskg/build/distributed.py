"""Builds on a Dask cluster (``cdskg build --scheduler tcp://HOST:8786``).

The cdskg process stays what it is with ``--jobs``: it reads the corpus, decides what to
build with the incremental rules, and is the one writer of the store. Only the per-article
work (clean, extract, map, validate: :func:`cdskg.build.pipeline.process`) goes to the
cluster, a batch of articles per task, each task carrying the articles' text: workers need
cdskg installed, not the corpus. Results come back as N-Quads bytes and are loaded in
corpus order, so a build on Dask writes the same graphs as ``--jobs 1``.

A worker must build what this process would: before any work is sent, each worker reports
its cdskg version, ontology version and a hash of its project files (ontology, mappings,
shapes), and a build with a worker that differs is refused. Every task checks again, for
workers that join later. Dask re-runs the tasks of a worker that dies; a batch whose
workers keep dying (Dask gives up after ``distributed.scheduler.allowed-failures``) is
split and its articles sent one by one, so the article that kills workers is found and
reported as failed, and the others of its batch are still built.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import CancelledError
from dataclasses import dataclass

from cdskg import __version__
from cdskg.build.gate import ArticleBuilder
from cdskg.build.pipeline import (
    VALIDATION_BATCH,
    ArticleOutcome,
    Processed,
    _ontology_version,
    process,
)
from cdskg.errors import UsageError
from cdskg.extract.articles import SourceArticle
from cdskg.rdf import iri
from cdskg.settings import ProjectPaths, project_paths

#: Seconds to wait for the scheduler to answer, and for a first worker to join it.
CONNECT_TIMEOUT = 30

#: Batches sent ahead per worker thread: enough that no worker waits for the writer, few
#: enough that the scheduler does not hold a large corpus's text in memory.
AHEAD_PER_THREAD = 3


@dataclass(frozen=True)
class BuilderIdentity:
    """What decides the graphs a worker makes from an article."""

    cdskg: str
    ontology: str
    files: str  # sha256 of the project files the builder reads

    def describe(self) -> str:
        return f"cdskg {self.cdskg}, ontology {self.ontology}, project files {self.files[:12]}"


def identity(paths: ProjectPaths) -> BuilderIdentity:
    digest = hashlib.sha256()
    for folder in (paths.ontology, paths.mappings, paths.shapes):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(paths.home)).encode() + b"\0")
            digest.update(path.read_bytes())
    return BuilderIdentity(__version__, _ontology_version(paths), digest.hexdigest())


class WorkerMismatch(Exception):
    """A worker of another cdskg or ontology version (raised on the worker, re-raised here)."""


# On a worker: its identity and one builder per worker thread (the builder is not shared
# between threads), made on first use from the worker's own project files.
_local = threading.local()
_identity_lock = threading.Lock()
_worker_identity: BuilderIdentity | None = None


def _this_worker() -> BuilderIdentity:
    global _worker_identity
    with _identity_lock:
        if _worker_identity is None:
            # the workers are the parallelism: one validation thread each
            os.environ.setdefault("RAYON_NUM_THREADS", "1")
            _worker_identity = identity(project_paths())
        return _worker_identity


def report_identity() -> BuilderIdentity:
    """Run on each worker by ``Client.run`` before a build."""
    return _this_worker()


def build_on_worker(expected: BuilderIdentity, sources: list[SourceArticle]) -> list[Processed]:
    """The task: a batch of articles through :func:`process` on a worker."""
    mine = _this_worker()
    if mine != expected:
        raise WorkerMismatch(_mismatch(_worker_address(), mine, expected))
    builder = getattr(_local, "builder", None)
    if builder is None:
        builder = _local.builder = ArticleBuilder(project_paths())
    return process(builder, sources)


def _worker_address() -> str:
    from distributed import get_worker

    try:
        return get_worker().address
    except ValueError:  # not on a worker (called directly)
        return "this process"


def _mismatch(address: str, theirs: BuilderIdentity, ours: BuilderIdentity) -> str:
    return (
        f"Dask worker {address} runs {theirs.describe()}, this build {ours.describe()}:"
        " its graphs would differ. Install the same cdskg (and project files) on every"
        " worker, or stop that worker"
    )


@contextlib.contextmanager
def dask_processing(
    sources: list[SourceArticle], scheduler: str, paths: ProjectPaths
) -> Iterator[Iterator[Processed]]:
    """Results in corpus order, built by the workers of the Dask ``scheduler``."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise UsageError(
            "--scheduler needs Dask: pip install 'cdskg[dask]' (or 'dask[distributed]')"
        ) from exc
    expected = identity(paths)
    with _quiet_dask():
        yield from _connected(Client, sources, scheduler, expected)


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's client logs a lost connection with a traceback of its own; the build says
    what happened in one message (and its report), as every cdskg error does."""
    # Dask gives its loggers levels of their own and one handler on "distributed", which
    # every record of theirs reaches: that handler is where they can be held back
    handlers = logging.getLogger("distributed").handlers
    levels = [h.level for h in handlers]
    for handler in handlers:
        handler.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for handler, level in zip(handlers, levels, strict=True):
            handler.setLevel(level)


def _connected(Client, sources, scheduler: str, expected: BuilderIdentity):
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise UsageError(
            f"--scheduler {scheduler}: no Dask scheduler answers there ({exc}); start one"
            " with `dask scheduler` and workers with `dask worker ADDRESS`"
        ) from exc
    with client:
        _check_workers(client, scheduler, expected)
        threads = sum(client.nthreads().values())
        yield _ordered(client, expected, sources, threads)


def _check_workers(client, scheduler: str, expected: BuilderIdentity) -> None:
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except TimeoutError as exc:
        raise UsageError(
            f"--scheduler {scheduler}: no worker joined within {CONNECT_TIMEOUT} s;"
            f" start some with `dask worker {scheduler}`"
        ) from exc
    try:
        found = client.run(report_identity)
    except Exception as exc:  # an old cdskg without this module, or none at all
        raise UsageError(
            f"--scheduler {scheduler}: a worker cannot run cdskg's build"
            f" ({type(exc).__name__}: {exc}); install this cdskg ({expected.describe()})"
            " on every worker"
        ) from exc
    wrong = [_mismatch(a, who, expected) for a, who in sorted(found.items()) if who != expected]
    if wrong:
        raise UsageError("; ".join(wrong))


def _batches(sources: list[SourceArticle], threads: int) -> list[list[SourceArticle]]:
    """Batches of at most :data:`VALIDATION_BATCH` articles, at least 4 per worker thread
    (as the local pool makes them)."""
    size = max(1, min(VALIDATION_BATCH, -(-len(sources) // (threads * 4))))
    return [sources[i : i + size] for i in range(0, len(sources), size)]


def _ordered(
    client, expected: BuilderIdentity, sources: list[SourceArticle], threads: int
) -> Iterator[Processed]:
    pending = iter(_batches(sources, threads))
    window: deque = deque()

    def send() -> None:
        batch = next(pending, None)
        if batch is not None:
            window.append((batch, _submit(client, expected, batch)))

    for _ in range(max(2, threads * AHEAD_PER_THREAD)):
        send()
    try:
        while window:
            batch, future = window.popleft()
            done = _result(client, expected, batch, future)
            send()  # before loading: the workers go on while this process writes
            yield from done
    finally:
        # the writer stopped (an error, ^C): the cluster stops building for it
        client.cancel([f for _, f in window])


def _submit(client, expected: BuilderIdentity, batch: list[SourceArticle]):
    # the key names the batch's first article: the dashboard and the logs show where the
    # cluster is, and which batch a lost worker held
    key = f"cdskg-build {batch[0].name} +{len(batch) - 1} {uuid.uuid4().hex[:12]}"
    return client.submit(build_on_worker, expected, batch, key=key, pure=False)


def _result(client, expected: BuilderIdentity, batch: list[SourceArticle], future):
    from distributed.scheduler import KilledWorker

    try:
        return future.result()
    except WorkerMismatch as exc:
        raise UsageError(str(exc)) from exc
    except KilledWorker:
        return _one_by_one(client, expected, batch)
    except (CancelledError, OSError) as exc:  # the scheduler went away
        raise UsageError(
            f"lost the Dask scheduler while building {batch[0].path}"
            f" ({type(exc).__name__}: {exc}); the store keeps its previous generation"
        ) from exc


def _one_by_one(client, expected: BuilderIdentity, batch: list[SourceArticle]) -> list[Processed]:
    """A batch whose workers kept dying: each article on its own, so only the one that
    kills workers is lost, and it is reported."""
    from distributed.scheduler import KilledWorker

    if len(batch) == 1:
        return [_killed(batch[0])]
    futures = [_submit(client, expected, [s]) for s in batch]
    out: list[Processed] = []
    for source, future in zip(batch, futures, strict=True):
        try:
            out.extend(future.result())
        except KilledWorker:
            out.append(_killed(source))
        except WorkerMismatch as exc:
            raise UsageError(str(exc)) from exc
    return out


def _killed(source: SourceArticle) -> Processed:
    error = (
        f"{source.path}: the Dask workers building this article died each time it was tried"
        " (out of memory, or a crash); the rest of the corpus was built; please report"
        " this with the file"
    )
    outcome = ArticleOutcome(
        str(source.path), "failed", article=iri.article(source.name), error=error
    )
    return Processed(outcome, b"", False)
