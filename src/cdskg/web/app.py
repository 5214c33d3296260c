"""The Flask application factory. Views live in blueprints, one module each:
``sparql`` (the protocol endpoint), ``pages`` (HTML for people), ``downloads``."""

from __future__ import annotations

import dataclasses
import logging
import os

from flask import Flask, jsonify, request

from cdskg import __version__
from cdskg.errors import StoreError
from cdskg.settings import Settings
from cdskg.store.generations import ReadOnlyStore
from cdskg.store.remote import RemoteReader, is_url
from cdskg.web import compression, downloads, pages, reports, sparql, static_files
from cdskg.web.context import StoreView, store
from cdskg.web.errors import HttpError, error_response
from cdskg.web.pages.common import browser_error

log = logging.getLogger("cdskg.web")

HTML_TYPES = ("text/html", "application/xhtml+xml")
#: The Content-Security-Policy of every HTML page: scripts, styles, images and forms from
#: this server only, no plugins, no framing, no base-URL change.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
EDITOR_CSP = PAGE_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def create_app(settings: Settings) -> Flask:
    if settings.store is None:
        raise StoreError("no store given; pass --store DIR or set CDSKG_STORE")
    # static files are served by static_files: versioned names, long-lived caching, gzip
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    if is_url(settings.store):
        # a SPARQL server: its answers are awaited as long as a query may run here
        timeout = dataclasses.replace(settings, remote_timeout=settings.query_timeout)
        reader = view = RemoteReader(str(settings.store), timeout)
    else:
        reader = ReadOnlyStore(settings.store)
        view = StoreView(reader)
    endpoint = sparql.Endpoint(settings, view)
    app.extensions["cdskg.store"] = reader
    app.extensions["cdskg.store.view"] = view
    app.extensions["cdskg.settings"] = settings
    app.extensions["cdskg.endpoint"] = endpoint
    # Queries to /sparql skip Flask's request cycle (≈5× the cost of a point lookup); they
    # run through the same functions as the view below, which serves everything else.
    app.wsgi_app = sparql.FastPath(app.wsgi_app, endpoint)  # type: ignore[method-assign]

    @app.errorhandler(HttpError)
    def http_error(exc: HttpError):
        return error_response(exc.status, exc.title, exc.detail, exc.headers)

    @app.after_request
    def cors(resp):
        for name, value in sparql.CORS_HEADERS:
            resp.headers[name] = value
        if resp.mimetype in HTML_TYPES:
            # Pages run only the server's own scripts and styles and are framed by no one.
            # The query editor's script (YASGUI) sets inline styles as it builds its UI.
            editor = request.path == "/sparql"
            resp.headers["Content-Security-Policy"] = EDITOR_CSP if editor else PAGE_CSP
            resp.headers["X-Frame-Options"] = "DENY"
        # /sparql compresses its own answers; its editor page is HTML like the others
        if not request.path.startswith("/sparql") or resp.mimetype in HTML_TYPES:
            compression.compress(
                resp, request.headers.get("Accept-Encoding"), request.if_none_match
            )
        if request.method == "OPTIONS":
            resp.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = (
                "Accept, Accept-Encoding, Authorization, Content-Type, If-None-Match"
            )
            resp.headers["Access-Control-Max-Age"] = "86400"
        return resp

    # Registered after cors(), so Flask runs it first: the page it makes gets the headers.
    @app.after_request
    def error_pages_for_browsers(resp):
        """A browser reading a page gets an error page in the site's language instead of
        the JSON error shape, whichever view or handler made it; a client asking for JSON
        (Accept, or format=json|csv|…) keeps the JSON (issue 21, point 8)."""
        if resp.status_code < 400 or resp.mimetype != "application/json":
            return resp
        if request.args.get("format", "html") != "html":
            return resp
        body = resp.get_json(silent=True)
        if not isinstance(body, dict) or set(body) != {"status", "error", "detail"}:
            return resp
        keep = {k: v for k, v in resp.headers.items() if k in ("Retry-After", "Allow")}
        page = browser_error(resp.status_code, str(body["error"]), str(body["detail"]), keep)
        return resp if page is None else page

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError):
        log.error("store unavailable: %s", exc)
        return error_response(503, "store unavailable", "the store cannot be opened; see the log")

    @app.errorhandler(413)
    def too_large(_exc):
        limit = settings.max_request_bytes
        return error_response(413, "request too large", f"the limit is {limit} bytes")

    @app.errorhandler(404)
    def not_found(_exc):
        return error_response(404, "not found", "no such page")

    @app.errorhandler(405)
    def wrong_method(exc):
        allowed = ", ".join(sorted(exc.valid_methods or []))
        resp = error_response(405, "method not allowed", f"allowed: {allowed}")
        resp.headers["Allow"] = allowed
        return resp

    @app.errorhandler(500)
    def internal(_exc):
        return error_response(500, "internal error", "the server failed; see its log")

    @app.get("/health")
    def health():
        _store, version = store()
        # The worker's process id tells operators (and tests) which worker answered.
        return jsonify(
            {"status": "ok", "store_version": version, "cdskg": __version__, "pid": os.getpid()}
        )

    app.register_blueprint(pages.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(static_files.bp)
    return app
