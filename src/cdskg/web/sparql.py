"""The SPARQL 1.1 Protocol endpoint at /sparql (read-only)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from cdskg.errors import QueryError
from cdskg.negotiation import choose, offered
from cdskg.query import run_query, serialize
from cdskg.web.context import store
from cdskg.web.errors import error_response

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "POST"])
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
        return error_response(400, "bad query", str(exc))
    kind = "graph" if type(result).__name__ == "QueryTriples" else "solutions"
    fmt = request.values.get("format") or choose(request.headers.get("Accept"), kind)
    if fmt is None:
        return error_response(
            406,
            "not acceptable",
            "none of the Accept types is offered; offered: " + ", ".join(offered(kind)),
        )
    try:
        out = serialize(result, fmt)
    except QueryError as exc:
        return error_response(400, "bad format", str(exc))
    resp = Response(out.body, mimetype=out.media_type)
    resp.headers["Vary"] = "Accept"
    resp.headers["X-Store-Version"] = version
    return resp


def _query_from_request() -> str | Response | None:
    if request.method == "GET":
        if "update" in request.args:
            return error_response(400, "bad request", "SPARQL Update is not accepted over GET")
        queries = request.args.getlist("query")
    else:
        ctype = (request.mimetype or "").lower()
        if ctype == "application/sparql-query":
            queries = [request.get_data(as_text=True)]
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if "update" in request.form:
                return error_response(403, "forbidden", "this endpoint is read-only")
            queries = request.form.getlist("query")
        elif ctype == "application/sparql-update":
            return error_response(403, "forbidden", "this endpoint is read-only")
        else:
            return error_response(
                415,
                "unsupported media type",
                "send application/sparql-query or application/x-www-form-urlencoded",
            )
        if not queries:
            return error_response(400, "bad request", "no query in the request; send query=…")
    if len(queries) > 1:
        return error_response(400, "bad request", "exactly one query parameter is allowed")
    return queries[0] if queries else None
