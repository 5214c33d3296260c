"""Running the web application under gunicorn, the production WSGI server.

**Chosen setup (measured with ``benchmarks/bench_http.py``, see below).** ``sync`` workers
(one request at a time per process, ``CDSKG_WORKERS`` of them) that open the store
read-only, with SPARQL queries answered by a raw WSGI fast path
(:class:`cdskg.web.sparql.FastPath`) in front of Flask. The per-request cost of Flask's
routing, request and response objects (≈0.4 ms, five times a point lookup) was the main
gap to ``oxigraph serve``; the fast path shares the view's plain functions
(``parse_operation``, ``answer_query``), so errors, headers, ETags and the cache are the
same on both paths. Measured 2026-11-22 (100k synthetic observations, wrk, 5 s runs, 3
interleaved repetitions, a 2-core machine loaded by other jobs; paired ratios to
``oxigraph serve-read-only``): point lookups at 1 connection 0.26× → 0.52×, at 8
connections 0.14× → 0.19×; CONSTRUCT of one article graph 0.59× → 0.72×.
``gthread`` workers (``CDSKG_WORKER_CLASS=gthread``, ``CDSKG_THREADS``) keep connections
alive: with one thread they measured 0.38× at 1 connection and 0.27× at 8 (sync 0.52× /
0.19×), with four threads clearly worse (the GIL); they have no watchdog (below), since a
worker exit would drop every connection that process holds. Sync workers close the
connection after each answer; that TCP setup and gunicorn's own request parsing and access
log are most of what remains between us and Oxigraph on point lookups.

**Query time limit.** pyoxigraph cannot interrupt a query, but it releases the GIL while it
evaluates, so a watchdog thread in each worker keeps running. When a query request passes
``query_timeout``, the watchdog writes a ``503`` JSON answer straight to the client socket
(if no byte of the answer has been sent yet), logs the query and ends the worker process;
gunicorn's arbiter starts a fresh one. The other workers keep serving meanwhile, and since a
sync worker serves one request at a time, no other client's request dies with it.
gunicorn's own worker timeout is set above ``query_timeout`` as a second line of defence.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication

from cdskg.errors import StoreError, UsageError
from cdskg.settings import Settings
from cdskg.store import StoreLayout
from cdskg.web import create_app
from cdskg.web.errors import error_bytes

log = logging.getLogger("cdskg.server")

#: Paths whose requests run queries and are therefore under the time limit.
GUARDED_PREFIXES = ("/sparql", "/store", "/graph")
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'


class QueryGuard:
    """WSGI middleware: a per-worker watchdog that stops requests running past a deadline."""

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
            self.request_line = f"{environ.get('REQUEST_METHOD')} {path}"
            query = environ.get("QUERY_STRING", "")
            if query:
                self.request_line += "?" + query[:300]
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
            "query stopped after %.0f s (CDSKG_QUERY_TIMEOUT); restarting worker %d: %s",
            self.timeout,
            os.getpid(),
            self.request_line,
        )
        sock = self.socket
        if sock is not None and not self.started:
            body = error_bytes(
                503,
                "query timeout",
                f"the query ran longer than this endpoint's limit of {self.timeout:g} s"
                " and was stopped; narrow it (LIMIT, more specific patterns) and retry",
            )
            head = (
                "HTTP/1.1 503 Service Unavailable\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
                "Access-Control-Allow-Origin: *\r\n"
                "Retry-After: 1\r\n"
                "Connection: close\r\n\r\n"
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


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings):
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        self.cfg.set("bind", f"{s.host}:{s.port}")
        self.cfg.set("workers", s.workers)
        self.cfg.set("worker_class", s.worker_class)
        if s.worker_class == "gthread":
            self.cfg.set("threads", s.threads)
        # The watchdog answers first; gunicorn kills a worker that is stuck anyway.
        self.cfg.set("timeout", max(30, int(s.query_timeout) + 15))
        self.cfg.set("graceful_timeout", max(10, int(s.query_timeout) + 5))
        self.cfg.set("keepalive", 5)
        self.cfg.set("limit_request_line", 8190)  # long GET queries
        self.cfg.set("accesslog", "-")
        self.cfg.set("access_log_format", ACCESS_LOG_FORMAT)
        self.cfg.set("errorlog", "-")
        self.cfg.set("proc_name", "cdskg")
        self.cfg.set("preload_app", True)
        self.cfg.set("control_socket_disable", True)  # several servers may run side by side

    def load(self):
        app = create_app(self.settings)
        if self.settings.worker_class == "sync":
            app.wsgi_app = QueryGuard(app.wsgi_app, self.settings.query_timeout)
        return app


def check(settings: Settings) -> None:
    """Refuse settings that would make an unsafe or broken server."""
    if settings.enable_update and not settings.update_token:
        raise UsageError(
            "CDSKG_ENABLE_UPDATE is set but CDSKG_UPDATE_TOKEN is empty;"
            " set a long random token (updates need Authorization: Bearer TOKEN)"
        )
    if settings.worker_class not in ("sync", "gthread"):
        raise UsageError(f"CDSKG_WORKER_CLASS={settings.worker_class!r}: use sync or gthread")


def serve(settings: Settings) -> None:
    """Serve until interrupted (SIGINT/SIGTERM stop gracefully: requests in flight finish)."""
    check(settings)
    logging.basicConfig(level=logging.INFO, format="[%(process)d] %(levelname)s %(message)s")
    # Fail before forking workers if there is no store. The master must not open it:
    # RocksDB's background threads do not survive fork(), and a worker that inherits an
    # initialised environment hangs when it writes (updates) and may crash on exit.
    if settings.store is None or StoreLayout(settings.store).current() is None:
        raise StoreError(
            f"{settings.store}: no cdskg store here (no 'current' generation);"
            " run `cdskg build CORPUS --store DIR` first"
        )
    _Gunicorn(settings).run()
