"""granian's side of `cdskg serve`: what each granian worker calls per request
(:class:`GranianGlue`, in place of granian's own WSGI glue), the worker's application
factory, and a master that never gives up on its workers.

Two of granian's internals are replaced here, and only here, so a new granian is checked in
one place (``tests/test_granian_glue.py`` pins the range, :data:`GRANIAN_VERSIONS`):

* ``granian.server.{mp,mt}._wsgi_call_wrap``, the function a worker asks for the callable
  it calls per request (looked up in the server module when the worker loads the
  application, since granian 2.0);
* ``AbstractServer._respawn_workers``'s bookkeeping of restarts, which its serve loop
  reads to decide that workers "crash loop" (one exit within 5.5 s of a restart) and shuts
  the whole server down: three deeply nested queries 1.5 s apart once ended every answer
  that way. :class:`_Master` logs each unexpected exit with its cause, waits a little when
  workers die young again and again, and always starts a new worker.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from cdskg.errors import UsageError
from cdskg.serve.bodies import BodyRefused, has_body, read_body
from cdskg.serve.lifetime import die_with_parent
from cdskg.serve.server import (
    SETTINGS_ENV,
    AccessLog,
    Watchdog,
    _log_config,
    _pin_worker,
    _settings_from_env,
    _settings_to_env,
    default_worker_bytes,
    guarded,
    timed,
)
from cdskg.settings import Settings
from cdskg.web import create_app
from cdskg.web.sparql import FastPath

log = logging.getLogger("cdskg.serve.granian")

#: The granian versions this module was written for and tested with (pyproject.toml names
#: the same range): lowest included, highest excluded.
GRANIAN_VERSIONS = ((2, 8), (3, 0))
#: A worker that ends sooner than this after it started died young (granian's own measure).
YOUNG_SECONDS = 5.5
#: Longest wait before a new worker replaces one of a row of young deaths.
MAX_BACKOFF = 10.0
#: The ``Server`` header of every answer: the product, no version.
SERVER_HEADER = ("Server", "cdskg")
#: Threads of each worker beyond ``CDSKG_THREADS`` (see :class:`cdskg.serve.server.Watchdog`).
SPARE_THREADS = 8
#: Stack of each thread granian starts (``RUST_MIN_STACK``, read by Rust when it starts a
#: thread; 2 MiB by default). Queries run on granian's threads, and pyoxigraph's parser and
#: evaluator recurse once per level of nesting: with 2 MiB, 1,000 nested groups killed the
#: worker, with 64 MiB 10,000 did not. :func:`cdskg.store.query.check_shape` refuses far
#: less than either; this is the margin behind it. Only pages touched take memory.
THREAD_STACK_BYTES = 64 << 20


def granian_version() -> str:
    from importlib.metadata import version

    return version("granian")


def check_granian_version(found: str | None = None) -> None:
    """Refuse a granian outside :data:`GRANIAN_VERSIONS`, whose internals may differ.

    :raises UsageError: naming the version found and the range wanted.
    """
    found = found or granian_version()
    parts = tuple(int(p) for p in found.split(".")[:2] if p.isdigit())
    low, high = GRANIAN_VERSIONS
    if not low <= parts < high:
        raise UsageError(
            f"granian {found} is installed; cdskg serve needs granian >= {low[0]}.{low[1]},"
            f" < {high[0]}.{high[1]} (pip install 'granian>={low[0]}.{low[1]},<{high[0]}')"
        )


class _Body:
    """A response body granian iterates (what granian's own WSGI glue passes it)."""

    __slots__ = ("__next__", "inner")

    def __init__(self, inner: Iterator[bytes]):
        self.inner = inner
        self.__next__ = inner.__next__

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


class _StartResponse:
    __slots__ = ("headers", "status")

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[str, str]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info=None):
        self.status = int(status[:3])
        self.headers = headers


class GranianGlue:
    """What granian calls for each request of a worker, in place of its own WSGI glue
    (``granian.wsgi._callback_wrapper``, which it mirrors): it calls the application and
    hands the answer to granian's response object ``proto``, and writes the access log.

    * Queries to ``/sparql`` go straight to :meth:`cdskg.web.sparql.FastPath.answer`,
      without the WSGI environ and ``start_response``; everything else to the WSGI app.
    * The time limit: the query runs in the request's own thread, and when it runs too
      long the :class:`Watchdog` answers through ``proto`` from its thread. (A helper
      thread per query, the alternative where WSGI can only answer by returning, cost two
      thread hand-overs per request.)
    * The environ gets the WSGI keys but not the whole process environment, which granian
      copies into each request's (the update token among them).
    """

    def __init__(
        self,
        app: Callable[..., Any],
        fast: FastPath | None,
        guard: Watchdog | None,
        access_log: AccessLog,
        max_body: int,
        body_timeout: float = 10.0,
    ):
        self.app = app
        self.body_timeout = body_timeout
        self.fast = fast
        self.guard = guard
        self.access_log = access_log
        self.max_body = max_body  # larger bodies are refused (413) without being read
        self.base: dict[str, Any] = {
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SCRIPT_NAME": "",
            "SERVER_SOFTWARE": "Granian",
            "wsgi.errors": sys.stderr,
            "wsgi.input_terminated": True,
            "wsgi.multiprocess": True,
            "wsgi.multithread": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }

    def __call__(self, proto: Any, scope: dict[str, Any]) -> int:
        started = time.monotonic()
        path = scope["PATH_INFO"]
        if has_body(scope):
            # Read here, under the size limit and the body deadline, whatever the framing,
            # and before the clock of the time limit starts: a slow client is not a slow query.
            try:
                data = read_body(
                    scope["wsgi.input"],
                    scope.get("CONTENT_LENGTH"),
                    self.max_body,
                    self.body_timeout,
                )
            except BodyRefused as exc:
                proto.response_bytes(exc.status, [*exc.headers, SERVER_HEADER], exc.body)
                self.access_log.record(scope, exc.status, len(exc.body), started)
                return exc.status
            scope["wsgi.input"] = io.BytesIO(data)
            scope["CONTENT_LENGTH"] = str(len(data))
            scope.pop("HTTP_TRANSFER_ENCODING", None)
            started = time.monotonic()
        guard = self.guard
        call = None
        if guard is not None and guarded(path):
            call = guard.enter(proto, scope, started, timed=timed(path, scope["REQUEST_METHOD"]))
        try:
            answer = None
            if path == "/sparql" and self.fast is not None:
                answer = self.fast.answer(scope)
            if answer is not None:
                status, headers, body = answer
            else:
                environ = self.base | scope
                start = _StartResponse()
                body = self.app(environ, start)
                status, headers = start.status, start.headers
        except BaseException:
            if call is not None and not guard.leave(call):  # type: ignore[union-attr]
                return 503  # the watchdog has answered
            self.access_log.record(scope, 500, "-", started)
            raise
        if call is not None and not guard.leave(call):  # type: ignore[union-attr]
            close = getattr(body, "close", None)
            if close is not None:
                close()
            return 503
        if isinstance(body, list):
            body = b"".join(body)
        headers.append(SERVER_HEADER)  # in place of granian's, which names itself
        if isinstance(body, bytes):
            proto.response_bytes(status, headers, body)
            self.access_log.record(scope, status, len(body), started)
        else:
            counted = self.access_log.counted(body, scope, status, started)
            proto.response_iter(status, headers, _Body(counted))
        return status


def _install_glue(glue: GranianGlue) -> None:
    """Make granian's worker call ``glue`` for each request (see :class:`GranianGlue`)."""
    import granian.server.mp as mp
    import granian.server.mt as mt

    for module in (mp, mt):
        if not hasattr(module, "_wsgi_call_wrap"):
            raise RuntimeError(
                f"granian {granian_version()} has no {module.__name__}._wsgi_call_wrap;"
                " install the granian version pyproject.toml names"
            )
        module._wsgi_call_wrap = lambda _callback, _opts, _fmt=None: glue  # type: ignore[attr-defined]


def granian_app() -> Callable[..., Any]:
    """The WSGI application of one granian worker (granian calls this in each worker)."""
    die_with_parent()  # a master killed outright leaves no worker holding its port
    settings = _settings_from_env(os.environ.pop(SETTINGS_ENV))
    if settings.pin_workers:
        _pin_worker(settings)
    app = create_app(settings).wsgi_app
    access_log = AccessLog()
    guard = Watchdog(
        settings.query_timeout,
        access_log,
        max_bytes=settings.max_worker_bytes or default_worker_bytes(settings.workers),
        threads=settings.threads,
    )
    fast = app if isinstance(app, FastPath) else None
    glue = GranianGlue(
        app, fast, guard, access_log, settings.max_request_bytes, settings.body_timeout
    )
    _install_glue(glue)
    # What the worker has loaded stays for its life: keep it out of the collector's passes.
    gc.collect()
    gc.freeze()
    return app


def _exit_cause(worker: Any) -> str:
    code = getattr(getattr(worker, "inner", None), "exitcode", None)
    if code is None:
        return "for an unknown reason"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"with exit code {code}"


def _master_class() -> type:
    """granian's server class, with a master that never exits because workers died."""
    from granian.server import Server

    class _Master(Server):  # type: ignore[misc, valid-type]
        young_deaths = 0

        def _respawn_workers(self, workers, spawn_target, target_loader, delay: float = 0):
            now = time.monotonic()
            wait = 0.0
            for idx in workers:
                worker = self.wrks[idx] if idx < len(self.wrks) else None
                if worker is None or worker.is_alive():
                    continue  # a reload or a lifetime respawn, not a death
                age = now - worker.birth
                log.error(
                    "worker %d (pid %s) ended %s after %.1f s; starting a new one,"
                    " the server goes on",
                    idx + 1,
                    worker._id(),
                    _exit_cause(worker),
                    age,
                )
                if age < YOUNG_SECONDS:
                    self.young_deaths += 1
                    wait = max(wait, min(MAX_BACKOFF, 0.25 * 2**self.young_deaths))
                else:
                    self.young_deaths = 0
            if wait:
                time.sleep(wait)
            super()._respawn_workers(workers, spawn_target, target_loader, delay)
            # granian's serve loop calls an exit within 5.5 s of a restart a crash loop and
            # shuts down; the deaths are logged and paced above instead.
            self.respawned_wrks.clear()

    return _Master


def serve_granian(settings: Settings) -> None:
    """Serve with granian until interrupted (see :mod:`cdskg.serve.server`)."""
    from granian.constants import Interfaces

    check_granian_version()
    os.environ[SETTINGS_ENV] = _settings_to_env(settings)
    os.environ.setdefault("RUST_MIN_STACK", str(THREAD_STACK_BYTES))
    _master_class()(
        f"{__name__}:granian_app",
        factory=True,
        interface=Interfaces.WSGI,
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        # CDSKG_THREADS requests run at a time (the watchdog's slots); the spare threads
        # hold requests waiting for their body or for a slot, and slow ones that gave
        # their slot up.
        blocking_threads=settings.threads + SPARE_THREADS,
        websockets=False,
        log_dictconfig=_log_config(),
        respawn_failed_workers=True,
        # A worker asked to stop waits for its requests in flight, which the time limit
        # bounds; past this it is killed.
        workers_kill_timeout=max(10, int(settings.query_timeout) + 5),
    ).serve()
