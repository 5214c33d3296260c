"""Running the web application: granian (the default) or gunicorn, both with worker processes
that open the store read-only, and the query time limit in each worker.

**granian** (chosen by measurement, ``benchmarks/bench_http.py``): its HTTP layer is Rust
(hyper), keeps connections alive and hands each request to one of ``CDSKG_THREADS`` threads
of a worker process. In each worker, :class:`cdskg.serve.granian_glue.GranianGlue` takes
the place of granian's own WSGI glue: queries to ``/sparql`` go straight to
:meth:`cdskg.web.sparql.FastPath.answer` (no WSGI environ, no Flask), everything else to the
Flask application.

Choices made by measurement (their figures and history: ``benchmarks/README.md``, "The
HTTP server"): queries to ``/sparql`` skip Flask and the WSGI environ; a query runs in the
request's own thread (no helper thread and its two hand-overs); a new store generation is
noticed through a stamp mapped into memory (:class:`cdskg.web.context.StoreView`, no system
call per request); access-log lines are written in batches (:class:`AccessLog`); the result
cache keeps only answers that took 2 ms or more. gunicorn's sync workers parse HTTP in
Python and close the connection after every answer; its ``gthread`` workers cannot stop a
runaway query without dropping the other requests of their process.

**Query time limit.** pyoxigraph cannot interrupt a query (it releases the GIL while it
evaluates, so other threads keep running, and it never looks at signals), so a runaway
query ends only with its process.

* granian (:class:`Watchdog`): a query runs in the request's own thread. A watchdog thread
  per worker sleeps until the oldest request's deadline; past ``query_timeout`` it answers
  that client ``503`` (the one JSON error shape, ``Connection: close``) through granian's
  response object, which any thread may call, and the worker asks itself to stop: granian's
  graceful stop closes its listening socket (new connections go to the other workers), lets
  its other requests in flight finish, and then the process exits, killing the runaway
  query; the master starts a fresh worker (and never shuts down because workers died, see
  :mod:`cdskg.serve.granian_glue`).
* gunicorn (:class:`cdskg.serve.gunicorn.QueryGuard`): a sync worker serves one request at
  a time, so a watchdog thread writes the ``503`` straight to the client socket and ends
  the process at once.

(Over 500 lines: a worker's limits, time, memory and lanes, act on one request watcher.)
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import logging
import multiprocessing.util
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from cdskg.errors import StoreError, UsageError
from cdskg.publish import prepare
from cdskg.settings import Settings, store_value
from cdskg.store.generations import StoreLayout
from cdskg.store.remote import is_url, open_remote
from cdskg.web.errors import error_bytes

log = logging.getLogger("cdskg.serve.server")

SERVERS = ("granian", "gunicorn")
#: Paths whose requests are not under the time and memory limits: every other one may run
#: queries (pages too: on a store of 31,000 observations one pillar's page ran for over 14
#: minutes; the catalogue compares figures pairwise).
UNGUARDED_PREFIXES = ("/static/", "/health")
#: Paths whose reads are under the memory bound but not the time limit (see :func:`timed`).
UNTIMED_PREFIXES = ("/store", "/graph", "/downloads")
#: Seconds after which a running request gives up its slot (see :class:`Watchdog`, lanes).
SLOW_SECONDS = 0.25
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
#: The settings travel to granian's worker processes in this variable (they may be spawned,
#: not forked); each worker removes it, so it never reaches a request's environ.
SETTINGS_ENV = "CDSKG_SERVE_SETTINGS"
#: A worker that must stop waits until it is this old: the master paces the restarts of
#: workers that die young (:data:`cdskg.serve.granian_glue.YOUNG_SECONDS`).
MIN_WORKER_AGE = 6.5


#: The headers of the 503 a runaway query gets (granian's watchdog and gunicorn's alike).
TIMEOUT_HEADERS = (
    ("Content-Type", "application/json"),
    ("Access-Control-Allow-Origin", "*"),
    ("Retry-After", "1"),
    ("Connection", "close"),
    ("Server", "cdskg"),
)


def _request_line(environ: dict[str, Any]) -> str:
    """Method, path and (the start of) the query string, for the log of a stopped query."""
    line = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
    if environ.get("QUERY_STRING"):
        line += "?" + environ["QUERY_STRING"][:300]
    return line


def _timeout_answer(timeout: float) -> bytes:
    return error_bytes(
        503,
        "query timeout",
        f"the query ran longer than this endpoint's limit of {timeout:g} s"
        " and was stopped; narrow it (LIMIT, more specific patterns) and retry",
    )


# ---------------------------------------------------------------- granian workers


class _Call:
    """One guarded request in flight: its deadline and the means to answer it."""

    __slots__ = ("deadline", "environ", "proto", "slow_at", "started")

    def __init__(self, deadline: float, proto: Any, environ: dict[str, Any], started: float):
        self.deadline = deadline
        self.proto = proto
        self.environ = environ
        self.started = started
        self.slow_at = started + SLOW_SECONDS


class Watchdog:
    """The limits of one granian worker: the time limit, the memory bound and the lanes.

    * **Time.** Requests run in the thread granian gave them; one watchdog thread per worker
      answers those that run past ``timeout`` with 503 through granian's response object,
      then asks the worker to stop (see the module docstring) while its other requests
      finish.
    * **Memory.** Every ``MEMORY_EVERY`` seconds the watchdog reads the worker's resident
      size; past ``max_bytes`` it answers every request in flight 503 (which one grew is not
      known) and ends the worker at once, before the machine runs out; the master starts a
      new one while the other workers serve.
    * **Lanes.** ``threads`` requests run at a time (:meth:`enter` waits for a slot); one
      that has run ``SLOW_SECONDS`` gives its slot up, so a few slow queries (or downloads)
      never hold every slot while cheap ones wait. granian gives each worker more threads
      than slots (:data:`cdskg.serve.granian_glue.SPARE_THREADS`) for them.

    Every call has the same time limit, so the calls in flight are ordered by deadline:
    the watchdog sleeps until the oldest one's. A request costs a dict insertion and a
    ``pop``; whichever of the request's thread and the watchdog pops the call answers it
    (``dict.pop`` is atomic under the GIL).
    """

    #: Seconds between two looks at the worker's resident size.
    MEMORY_EVERY = 0.25

    def __init__(
        self,
        timeout: float,
        access_log: AccessLog | None = None,
        *,
        max_bytes: int = 0,
        threads: int = 0,
    ):
        self.timeout = timeout if timeout > 0 else float("inf")
        self.access_log = access_log
        self.max_bytes = max_bytes
        self.calls: dict[int, _Call] = {}  # timed, so in the order of their deadlines
        self.untimed: dict[int, _Call] = {}  # dumps of the store: long, but bounded
        self.holding: dict[int, _Call] = {}  # calls holding a slot
        self.slots = threading.BoundedSemaphore(threads) if threads > 0 else None
        self.born = time.monotonic()
        self.stopping = False
        threading.Thread(target=self._watch, name="cdskg-watchdog", daemon=True).start()

    def enter(
        self, proto: Any, environ: dict[str, Any], started: float, *, timed: bool = True
    ) -> _Call:
        """Wait for a slot, then watch the request: under the time limit if ``timed``,
        under the memory bound always."""
        if self.slots is not None:
            self.slots.acquire()
        call = _Call(started + self.timeout, proto, environ, started)
        if self.slots is not None:
            self.holding[id(call)] = call
        (self.calls if timed else self.untimed)[id(call)] = call
        return call

    def leave(self, call: _Call) -> bool:
        """Whether ``call`` is still the request thread's to answer (not answered 503)."""
        self._release(call)
        key = id(call)
        return self.calls.pop(key, None) is not None or self.untimed.pop(key, None) is not None

    def _release(self, call: _Call) -> None:
        if self.holding.pop(id(call), None) is not None:
            self.slots.release()  # type: ignore[union-attr]

    def _watch(self) -> None:
        memory_at = 0.0
        while True:
            now = time.monotonic()
            wake = now + min(self.timeout, SLOW_SECONDS)
            if self.max_bytes:
                if now >= memory_at:
                    memory_at = now + self.MEMORY_EVERY
                    self._check_memory()
                wake = min(wake, memory_at)
            for call in list(self.holding.values()):  # oldest first
                if call.slow_at > now:
                    wake = min(wake, call.slow_at)
                    break
                self._release(call)
            for call in list(self.calls.values()):  # oldest first
                if call.deadline > now:
                    wake = min(wake, call.deadline)
                    break
                if self.calls.pop(id(call), None) is not None:
                    self._expire(call)
            time.sleep(max(0.0, wake - time.monotonic()) + 0.001)

    def _check_memory(self) -> None:
        size = resident_bytes()
        if size is None or size <= self.max_bytes:
            return
        calls = [
            c
            for watched in (self.calls, self.untimed)
            for c in list(watched.values())
            if watched.pop(id(c), None) is not None
        ]
        log.error(
            "worker %d holds %d MB, past CDSKG_MAX_WORKER_BYTES (%d MB); answering its %d"
            " requests in flight 503 and ending it: %s",
            os.getpid(),
            size >> 20,
            self.max_bytes >> 20,
            len(calls),
            "; ".join(_request_line(c.environ) for c in calls) or "-",
        )
        body = error_bytes(
            503,
            "memory limit",
            "the server stopped this request: its worker went past its memory limit"
            " (a query holding too much, this or one beside it); narrow the query and retry",
        )
        for call in calls:
            with contextlib.suppress(Exception):
                call.proto.response_bytes(503, list(TIMEOUT_HEADERS), body)
            if self.access_log is not None:
                self.access_log.record(call.environ, 503, len(body), call.started)
        if self.access_log is not None:
            self.access_log.flush()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        # A small process ends this one in 0.2 s, while granian's threads write the answers.
        # Not a sleep here (it might never wake: the query's thread may hold the GIL inside
        # pyoxigraph), nor a timer signal (granian's threads block them).
        try:
            os.posix_spawn(
                "/bin/sh",
                ["sh", "-c", f"sleep 0.2; kill -9 {os.getpid()}"],
                {"PATH": "/bin:/usr/bin"},
            )
        except OSError:
            os.kill(os.getpid(), signal.SIGKILL)

    def _expire(self, call: _Call) -> None:
        environ = call.environ
        log.error(
            "query stopped after %g s (CDSKG_QUERY_TIMEOUT); restarting worker %d: %s",
            self.timeout,
            os.getpid(),
            _request_line(environ),
        )
        body = _timeout_answer(self.timeout)
        try:
            call.proto.response_bytes(503, list(TIMEOUT_HEADERS), body)
        except Exception as exc:  # the client has gone; the worker must stop all the same
            log.warning("could not answer the stopped query: %s", exc)
        if self.access_log is not None:
            self.access_log.record(environ, 503, len(body), call.started)
            self.access_log.flush()
        if not self.stopping:
            self.stopping = True
            threading.Thread(target=self._stop, name="cdskg-stop", daemon=True).start()

    def _stop(self) -> None:
        time.sleep(max(0.0, self.born + MIN_WORKER_AGE - time.monotonic()))
        # granian's worker turns SIGTERM into a graceful stop: no new connections, requests
        # in flight finish, then the process exits (the runaway query with it).
        os.kill(os.getpid(), signal.SIGTERM)


def resident_bytes() -> int | None:
    """This process's resident memory (Linux ``/proc/self/statm``), or None elsewhere."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def default_worker_bytes(workers: int) -> int:
    """Half of the machine's memory shared among ``workers`` (CDSKG_MAX_WORKER_BYTES=0)."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0
    return max(256 << 20, total // 2 // max(1, workers))


def guarded(path: str) -> bool:
    """Whether a request to ``path`` is under the memory bound (and takes a slot): all but
    the static files and the probe."""
    return not path.startswith(UNGUARDED_PREFIXES)


def timed(path: str, method: str) -> bool:
    """Whether a guarded request is under the time limit too: all but reads of the Graph
    Store and the download files, whose work is bounded by the store's size (a dump of the
    whole dataset took 26 s at 20,000 observations beside other load; a query has no such
    bound)."""
    return not (method in ("GET", "HEAD") and path.startswith(UNTIMED_PREFIXES))


class AccessLog:
    """One access-log line per request on standard output, in the format of gunicorn's
    (``ACCESS_LOG_FORMAT``). Lines are collected and written by a thread of their own every
    ``FLUSH_SECONDS`` (as nginx's ``access_log ... flush=``): a ``write`` per request cost
    a system call and a turn of the GIL in the request's thread. What is collected when the
    worker ends is written by its exit handlers; a worker killed outright loses at most
    ``FLUSH_SECONDS`` of lines."""

    FLUSH_SECONDS = 0.25

    def __init__(self, fd: int = 1):
        self.fd = fd
        self.lines: collections.deque[str] = collections.deque()  # append/popleft: atomic
        threading.Thread(target=self._flusher, name="cdskg-access-log", daemon=True).start()
        # granian's workers are multiprocessing processes, which end by os._exit after
        # running multiprocessing's finalizers (not atexit's)
        multiprocessing.util.Finalize(self, self.flush, exitpriority=10)

    def record(self, environ: dict[str, Any], status: int, size: int | str, started: float) -> None:
        target = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        self.lines.append(
            f'{environ.get("REMOTE_ADDR", "-")} "{environ.get("REQUEST_METHOD")} {target}'
            f' {environ.get("SERVER_PROTOCOL", "")}" {status} {size}'
            f" {(time.monotonic() - started) * 1000:.0f}ms"
            f' "{environ.get("HTTP_USER_AGENT", "-")}"\n'
        )

    def flush(self) -> None:
        lines = self.lines
        taken = []
        with contextlib.suppress(IndexError):
            while True:
                taken.append(lines.popleft())
        if taken:
            data = "".join(taken).encode("utf-8", "replace")
            with contextlib.suppress(OSError):
                while data:
                    data = data[os.write(self.fd, data) :]

    def _flusher(self) -> None:
        while True:
            time.sleep(self.FLUSH_SECONDS)
            self.flush()

    def counted(
        self, body: Iterable[bytes], environ: dict[str, Any], status: int, started: float
    ) -> Iterator[bytes]:
        """``body``, logged once it has been sent (or the client has gone)."""
        sent = 0
        try:
            for chunk in body:
                sent += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            self.record(environ, status, sent, started)


#: The slot a worker holds for its life: an abstract Unix socket name, so it is freed by the
#: kernel when the process ends, however it ends, and leaves no file behind.
_SLOT: list[Any] = []


def _pin_worker(settings: Settings) -> int | None:
    """Keep every thread of this worker on one CPU, the workers spread over the CPUs
    (``CDSKG_PIN_WORKERS``, off by default).

    A request crosses threads of its worker: granian's I/O thread and the thread running
    the application, taking turns on one GIL. Where they sit on different cores, a turn can
    wake another core, which on a virtual machine costs tens of microseconds; on one core
    it is a plain context switch. Measured (``bench_http.py``, ``pinned`` column, when each
    query still crossed to a helper thread as well): on a machine busy with other work,
    point lookups at 8 connections rose from 0.41-0.65x to 0.70-0.80x of ``oxigraph
    serve``; on an idle machine pinning gained nothing, and two heavy queries on one worker
    shared one core (an aggregate fell to 0.6x), hence off by default. Workers take free
    slots in order (slot mod CPU count), so a worker replacing one that stopped takes its
    core.
    """
    if not hasattr(os, "sched_setaffinity"):  # pragma: no cover - not Linux
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    for slot in range(4 * max(settings.workers, len(cpus))):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(f"\0cdskg-worker-{os.getuid()}-{settings.host}-{settings.port}-{slot}")
        except OSError:
            sock.close()
            continue
        _SLOT.append(sock)
        cpu = cpus[slot % len(cpus)]
        # threads started later (granian's, ours) inherit the affinity of their creator
        for tid in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError):  # a thread that has just ended
                os.sched_setaffinity(int(tid), {cpu})
        log.info("worker %d runs on CPU %d", os.getpid(), cpu)
        return cpu
    return None


def _settings_to_env(settings: Settings) -> str:
    values = dataclasses.asdict(settings)
    values["store"] = str(settings.store)
    return json.dumps(values)


def _settings_from_env(text: str) -> Settings:
    values = json.loads(text)
    values["store"] = store_value(values["store"])
    return Settings(**values)


def _log_config() -> dict[str, Any]:
    """granian's logging configuration, with cdskg's own loggers on the same stream."""
    fmt = "[%(process)d] %(levelname)s %(message)s"
    handler = {
        "formatter": "generic",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"generic": {"()": "logging.Formatter", "fmt": fmt}},
        "handlers": {"console": handler},
        "loggers": {
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "cdskg": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


# ---------------------------------------------------------------- entry point


def check(settings: Settings) -> None:
    """Refuse settings that would make an unsafe or broken server."""
    if settings.enable_update and not settings.update_token:
        raise UsageError(
            "CDSKG_ENABLE_UPDATE is set but CDSKG_UPDATE_TOKEN is empty;"
            " set a long random token (updates need Authorization: Bearer TOKEN)"
        )
    if settings.server not in SERVERS:
        raise UsageError(f"CDSKG_SERVER={settings.server!r}: use granian or gunicorn")
    if settings.threads < 1:
        raise UsageError(f"CDSKG_THREADS={settings.threads}: at least 1")


def check_port_free(host: str, port: int) -> None:
    """Refuse to start where something already listens. granian's workers share their port
    with any other process that asks (``SO_REUSEPORT``), so a second server would start and
    answer half the requests beside the first, from another store version; a plain bind,
    without that option, fails where anyone listens.

    :raises UsageError: naming the address and what to do.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc} (is another server"
                " running there?); stop it or choose another --port"
            ) from None


def serve(settings: Settings) -> None:
    """Serve until interrupted (SIGINT/SIGTERM stop gracefully: requests in flight finish)."""
    check(settings)
    # Fail before starting workers if there is no store. The master must not open it:
    # RocksDB's background threads do not survive fork(), and a worker that inherits an
    # initialised environment hangs when it writes (updates) and may crash on exit.
    if is_url(settings.store):
        if settings.enable_update:
            raise UsageError(
                f"{settings.store}: updates at /sparql are not offered over a remote store"
                " (its versions are switched by `cdskg build`); unset CDSKG_ENABLE_UPDATE, or"
                " write to the SPARQL server itself"
            )
        open_remote(str(settings.store), settings)  # fails here, clearly, if it is down
        check_port_free(settings.host, settings.port)
        return _run(settings, None)
    if settings.store is None or StoreLayout(settings.store).current() is None:
        raise StoreError(
            f"{settings.store}: no cdskg store here (no 'current' generation);"
            " run `cdskg build CORPUS --store DIR` first"
        )
    check_port_free(settings.host, settings.port)
    # The download files of each version are written while the server runs, not when
    # someone first asks for them (minutes at 100k observations).
    watcher = prepare.Watcher(settings.store).start() if settings.prepare_downloads else None
    _run(settings, watcher)


def _run(settings: Settings, watcher: Any) -> None:
    try:
        if settings.server == "gunicorn":
            from cdskg.serve.gunicorn import serve_gunicorn

            serve_gunicorn(settings)
        else:
            from cdskg.serve.granian_glue import serve_granian

            serve_granian(settings)
    finally:
        if watcher is not None:
            watcher.stop()
