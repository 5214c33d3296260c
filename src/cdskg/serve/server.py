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
* gunicorn (:class:`QueryGuard`): a sync worker serves one request at a time, so a watchdog
  thread writes the ``503`` straight to the client socket and ends the process at once.
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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from cdskg.errors import StoreError, UsageError
from cdskg.publish import prepare
from cdskg.settings import Settings
from cdskg.store.generations import StoreLayout
from cdskg.web import create_app
from cdskg.web.errors import error_bytes

log = logging.getLogger("cdskg.serve.server")

SERVERS = ("granian", "gunicorn")
#: Paths whose requests run queries and are therefore under the time limit. The catalogue's
#: pages are among them: some of its queries compare figures pairwise, and on a large store
#: (100k observations) ran for minutes.
GUARDED_PREFIXES = ("/sparql", "/store", "/graph", "/queries/")
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

    __slots__ = ("deadline", "environ", "proto", "started")

    def __init__(self, deadline: float, proto: Any, environ: dict[str, Any], started: float):
        self.deadline = deadline
        self.proto = proto
        self.environ = environ
        self.started = started


class Watchdog:
    """The query time limit of one granian worker: requests to query paths run in the
    thread granian gave them; one watchdog thread per worker answers those that run past
    ``timeout`` with 503 through granian's response object, then asks the worker to stop
    (see the module docstring) while its other requests finish.

    Every call has the same time limit, so the calls in flight are ordered by deadline:
    the watchdog sleeps until the oldest one's. A request costs a dict insertion and a
    ``pop``; whichever of the request's thread and the watchdog pops the call answers it
    (``dict.pop`` is atomic under the GIL).
    """

    def __init__(self, timeout: float, access_log: AccessLog | None = None):
        self.timeout = timeout
        self.access_log = access_log
        self.calls: dict[int, _Call] = {}
        self.born = time.monotonic()
        self.stopping = False
        threading.Thread(target=self._watch, name="cdskg-watchdog", daemon=True).start()

    def enter(self, proto: Any, environ: dict[str, Any], started: float) -> _Call:
        call = _Call(started + self.timeout, proto, environ, started)
        self.calls[id(call)] = call
        return call

    def leave(self, call: _Call) -> bool:
        """Whether ``call`` is still the request thread's to answer (not answered 503)."""
        return self.calls.pop(id(call), None) is not None

    def _watch(self) -> None:
        while True:
            now = time.monotonic()
            wake = now + self.timeout  # a call that starts now ends no sooner
            for call in list(self.calls.values()):  # oldest first
                if call.deadline > now:
                    wake = call.deadline
                    break
                if self.calls.pop(id(call), None) is not None:
                    self._expire(call)
            time.sleep(max(0.0, wake - time.monotonic()) + 0.001)

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
    values["store"] = Path(values["store"])
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


# ---------------------------------------------------------------- gunicorn sync workers


class QueryGuard:
    """WSGI middleware: a per-worker watchdog that stops requests running past a deadline
    (gunicorn sync workers: one request per process)."""

    def __init__(self, app: Callable[..., Any], timeout: float):
        self.app = app
        self.timeout = timeout
        self.lock = threading.Lock()
        self.deadline: float | None = None
        self.started = False
        self.socket: Any = None
        self.request_line = ""
        self.pid: int | None = None
        self.wakeup = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        path = environ.get("PATH_INFO", "")
        if self.timeout <= 0 or not path.startswith(GUARDED_PREFIXES):
            return self.app(environ, start_response)
        self._ensure_watchdog()
        with self.lock:
            self.deadline = time.monotonic() + self.timeout
            self.started = False
            self.socket = environ.get("gunicorn.socket")
            self.request_line = _request_line(environ)
        self.wakeup.set()
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._disarm()
            raise
        return self._guarded(body)

    def _guarded(self, body: Iterable[bytes]):
        try:
            for chunk in body:
                if chunk:
                    with self.lock:
                        self.started = True
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            self._disarm()

    def _disarm(self) -> None:
        with self.lock:
            self.deadline = None
            self.socket = None

    def _ensure_watchdog(self) -> None:
        if self.pid != os.getpid():  # first request in this (forked) worker
            self.pid = os.getpid()
            threading.Thread(target=self._watch, name="cdskg-query-watchdog", daemon=True).start()

    def _watch(self) -> None:
        while True:
            with self.lock:
                deadline = self.deadline
            if deadline is None:
                self.wakeup.wait()
                self.wakeup.clear()
                continue
            remaining = deadline - time.monotonic()
            if remaining > 0:
                time.sleep(min(remaining, 1.0))
                continue
            with self.lock:
                if self.deadline is None or self.deadline > time.monotonic():
                    continue
                self._expire()

    def _expire(self) -> None:
        """Answer 503 if nothing was sent yet, then end this worker (called under the lock)."""
        log.error(
            "query stopped after %g s (CDSKG_QUERY_TIMEOUT); restarting worker %d: %s",
            self.timeout,
            os.getpid(),
            self.request_line,
        )
        sock = self.socket
        if sock is not None and not self.started:
            body = _timeout_answer(self.timeout)
            fields = [*TIMEOUT_HEADERS, ("Content-Length", str(len(body)))]
            head = (
                "HTTP/1.1 503 Service Unavailable\r\n"
                + "".join(f"{name}: {value}\r\n" for name, value in fields)
                + "\r\n"
            ).encode("ascii")
            try:
                sock.settimeout(2.0)
                sock.sendall(head + body)
            except OSError:
                pass
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(1)


def _serve_gunicorn(settings: Settings) -> None:
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            s = settings
            self.cfg.set("bind", f"{s.host}:{s.port}")
            self.cfg.set("workers", s.workers)
            self.cfg.set("worker_class", "sync")
            # The watchdog answers first; gunicorn kills a worker that is stuck anyway.
            self.cfg.set("timeout", max(30, int(s.query_timeout) + 15))
            self.cfg.set("graceful_timeout", max(10, int(s.query_timeout) + 5))
            self.cfg.set("limit_request_line", 8190)  # long GET queries
            self.cfg.set("accesslog", "-")
            self.cfg.set("access_log_format", ACCESS_LOG_FORMAT)
            self.cfg.set("errorlog", "-")
            self.cfg.set("proc_name", "cdskg")
            self.cfg.set("preload_app", True)
            self.cfg.set("control_socket_disable", True)  # several servers may run side by side

        def load(self):
            app = create_app(settings)
            app.wsgi_app = QueryGuard(app.wsgi_app, settings.query_timeout)
            return app

    logging.basicConfig(level=logging.INFO, format="[%(process)d] %(levelname)s %(message)s")
    _Gunicorn().run()


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


def serve(settings: Settings) -> None:
    """Serve until interrupted (SIGINT/SIGTERM stop gracefully: requests in flight finish)."""
    check(settings)
    # Fail before starting workers if there is no store. The master must not open it:
    # RocksDB's background threads do not survive fork(), and a worker that inherits an
    # initialised environment hangs when it writes (updates) and may crash on exit.
    if settings.store is None or StoreLayout(settings.store).current() is None:
        raise StoreError(
            f"{settings.store}: no cdskg store here (no 'current' generation);"
            " run `cdskg build CORPUS --store DIR` first"
        )
    # The download files of each version are written while the server runs, not when
    # someone first asks for them (minutes at 100k observations).
    watcher = prepare.Watcher(settings.store).start() if settings.prepare_downloads else None
    try:
        if settings.server == "gunicorn":
            _serve_gunicorn(settings)
        else:
            from cdskg.serve.granian_glue import serve_granian

            serve_granian(settings)
    finally:
        if watcher is not None:
            watcher.stop()
