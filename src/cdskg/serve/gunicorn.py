"""gunicorn's side of `cdskg serve` (``CDSKG_SERVER=gunicorn``): sync workers, one request
per process at a time, with the time limit and the body limits as WSGI middleware
(:class:`QueryGuard`)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import HTTP_STATUS_CODES

from cdskg.serve.bodies import BodyRefused, has_body, read_body
from cdskg.serve.lifetime import die_with_parent
from cdskg.serve.server import (
    ACCESS_LOG_FORMAT,
    TIMEOUT_HEADERS,
    _request_line,
    _timeout_answer,
    guarded,
    timed,
)
from cdskg.settings import Settings
from cdskg.web import create_app

log = logging.getLogger("cdskg.serve.gunicorn")


class QueryGuard:
    """WSGI middleware: a per-worker watchdog that stops requests running past a deadline
    (gunicorn sync workers: one request per process)."""

    def __init__(
        self,
        app: Callable[..., Any],
        timeout: float,
        max_body: int = 1_000_000,
        body_timeout: float = 10.0,
    ):
        self.app = app
        self.timeout = timeout
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.lock = threading.Lock()
        self.deadline: float | None = None
        self.started = False
        self.socket: Any = None
        self.request_line = ""
        self.pid: int | None = None
        self.wakeup = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        path = environ.get("PATH_INFO", "")
        if has_body(environ):  # whatever its framing, as granian's glue does
            try:
                data = read_body(
                    environ["wsgi.input"],
                    environ.get("CONTENT_LENGTH"),
                    self.max_body,
                    self.body_timeout,
                )
            except BodyRefused as exc:
                start_response(f"{exc.status} {HTTP_STATUS_CODES[exc.status]}", exc.headers)
                return [exc.body]
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        method = environ.get("REQUEST_METHOD", "")
        if self.timeout <= 0 or not guarded(path) or not timed(path, method):
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


def serve_gunicorn(settings: Settings) -> None:
    """Serve with gunicorn's sync workers until interrupted."""
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
            # a master killed outright leaves no worker behind
            self.cfg.set("post_fork", lambda _server, _worker: die_with_parent())

        def load(self):
            app = create_app(settings)
            app.wsgi_app = QueryGuard(
                app.wsgi_app,
                settings.query_timeout,
                settings.max_request_bytes,
                settings.body_timeout,
            )
            return app

    import gunicorn.http.wsgi

    gunicorn.http.wsgi.SERVER = "cdskg"  # the Server header, in place of "gunicorn"
    logging.basicConfig(level=logging.INFO, format="[%(process)d] %(levelname)s %(message)s")
    _Gunicorn().run()
