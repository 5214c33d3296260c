"""The Flask application: SPARQL endpoint, home page, health probe."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request

from cdskg import __version__
from cdskg.errors import QueryError, StoreError
from cdskg.negotiation import choose, offered
from cdskg.query import run_query, serialize
from cdskg.settings import Settings
from cdskg.stats import summary
from cdskg.store import ReadOnlyStore

log = logging.getLogger("cdskg.web")


def create_app(settings: Settings) -> Flask:
    if settings.store is None:
        raise StoreError("no store given; pass --store DIR or set CDSKG_STORE")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["cdskg.store"] = ReadOnlyStore(settings.store)
    app.extensions["cdskg.settings"] = settings

    def store():
        return app.extensions["cdskg.store"].get()

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError):
        return _error(503, "store unavailable", str(exc).split(":", 1)[-1].strip())

    @app.errorhandler(413)
    def too_large(_exc):
        return _error(413, "request too large", f"the limit is {settings.max_request_bytes} bytes")

    @app.errorhandler(500)
    def internal(_exc):
        return _error(500, "internal error", "the server failed; see its log")

    @app.get("/health")
    def health():
        _store, version = store()
        return jsonify({"status": "ok", "store_version": version, "cdskg": __version__})

    @app.get("/")
    def home():
        st, version = store()
        return render_template("home.html", summary=summary(st), version=version)

    @app.route("/sparql", methods=["GET", "POST"])
    def sparql():
        query = _query_from_request()
        if isinstance(query, Response):
            return query
        if query is None:
            return render_template("sparql.html")
        st, version = store()
        try:
            result = run_query(st, query)
        except QueryError as exc:
            return _error(400, "bad query", str(exc))
        kind = "graph" if type(result).__name__ == "QueryTriples" else "solutions"
        fmt = request.values.get("format") or choose(request.headers.get("Accept"), kind)
        if fmt is None:
            return _error(
                406,
                "not acceptable",
                "none of the Accept types is offered; offered: " + ", ".join(offered(kind)),
            )
        try:
            out = serialize(result, fmt)
        except QueryError as exc:
            return _error(
                406 if request.values.get("format") is None else 400, "bad format", str(exc)
            )
        resp = Response(out.body, mimetype=out.media_type)
        resp.headers["Vary"] = "Accept"
        resp.headers["X-Store-Version"] = version
        return resp

    return app


def _query_from_request() -> str | Response | None:
    if request.method == "GET":
        queries = request.args.getlist("query")
        if "update" in request.args:
            return _error(400, "bad request", "SPARQL Update is not accepted over GET")
    else:
        ctype = (request.mimetype or "").lower()
        if ctype == "application/sparql-query":
            queries = [request.get_data(as_text=True)]
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if "update" in request.form:
                return _error(403, "forbidden", "this endpoint is read-only")
            queries = request.form.getlist("query")
        elif ctype == "application/sparql-update":
            return _error(403, "forbidden", "this endpoint is read-only")
        else:
            return _error(
                415,
                "unsupported media type",
                "send application/sparql-query or application/x-www-form-urlencoded",
            )
        if not queries:
            return _error(400, "bad request", "no query in the request; send query=…")
    if len(queries) > 1:
        return _error(400, "bad request", "exactly one query parameter is allowed")
    return queries[0] if queries else None


def _error(status: int, title: str, detail: str) -> Response:
    """The one error shape: JSON {status, error, detail}; no traces, no paths."""
    resp = jsonify({"status": status, "error": title, "detail": detail})
    resp.status_code = status
    return resp
