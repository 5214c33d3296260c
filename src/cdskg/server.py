"""Running the web application under gunicorn, the production WSGI server."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from cdskg.settings import Settings
from cdskg.web import create_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings):
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        self.cfg.set("bind", f"{s.host}:{s.port}")
        self.cfg.set("workers", s.workers)
        self.cfg.set("worker_class", "sync")
        self.cfg.set("timeout", max(30, int(s.query_timeout) + 10))
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("accesslog", "-")
        self.cfg.set("proc_name", "cdskg")

    def load(self):
        return create_app(self.settings)


def serve(settings: Settings) -> None:
    """Serve until interrupted (SIGINT/SIGTERM stop gracefully)."""
    # Fail before forking workers if the store is missing or unreadable.
    create_app(settings).extensions["cdskg.store"].get()
    _Gunicorn(settings).run()
