"""The query catalogue as pages and as a JSON/CSV/TSV/XML API (``/queries/NAME``)."""

from __future__ import annotations

from flask import Response, make_response, render_template, request

from cdskg.errors import QueryError
from cdskg.publish import query_catalogue as catalogue
from cdskg.store.query import RESULT_FORMATS
from cdskg.web import urls
from cdskg.web.context import store
from cdskg.web.errors import error_response
from cdskg.web.negotiation import parse_accept
from cdskg.web.pages.common import HTML_TYPES, bars, bp, chart_values, current_lang
from cdskg.web.pages.graph import link


@bp.get("/queries")
def queries():
    return render_template("queries.html", queries=catalogue.load_all())


@bp.get("/queries/<name>")
def query(name: str):
    try:
        q = catalogue.load(name)
    except KeyError:
        return error_response(404, "not found", f"no catalogue query named {name!r}; see /queries")
    lang = current_lang()
    declared = {p.name for p in q.params}
    given = {
        k: v
        for k, v in request.args.items()
        if k != "format" and (k != "lang" or "lang" in declared)
    }
    fmt = request.args.get("format")
    if fmt is None:
        fmt = _result_format()
        if fmt is None:
            offered = ", ".join(["text/html", *(m for _, m in RDF_RESULT_TYPES)])
            return error_response(
                406, "not acceptable", f"offered: {offered}; or ?format=json|csv|tsv|xml"
            )
    elif fmt != "html" and fmt not in RESULT_FORMATS:
        return error_response(400, "bad format", f"format={fmt!r}; use html, json, csv, tsv or xml")
    if fmt == "html" and "lang" in declared and not given.get("lang"):
        given["lang"] = lang
    st, version = store()
    try:
        result = q.run(st, given)
    except QueryError as exc:
        if "parameter" in str(exc):
            return error_response(400, "bad parameter", str(exc))
        return error_response(400, "bad query", str(exc))
    if fmt != "html":
        results_format, media = RESULT_FORMATS[fmt]
        resp = Response(result.serialize(format=results_format), mimetype=media)
        resp.headers["X-Store-Version"] = version
        resp.headers["Vary"] = "Accept"
        return resp
    variables = [v.value for v in result.variables]
    shown = [v for v in variables if v not in declared]
    table = []
    for sol in result:
        table.append([link(st, sol[v], lang) if sol[v] is not None else None for v in shown])
    chart = bars(chart_values(shown, q.chart, table))
    values = {p.name: given.get(p.name, "") for p in q.params}
    args = {k: v for k, v in values.items() if v}
    links = {f: urls.query_page(name, args, f) for f in ("csv", "json")}
    resp = make_response(
        render_template(
            "query.html",
            query=q,
            columns=shown,
            table=table,
            chart=chart,
            values=values,
            downloads=links,
        )
    )
    resp.headers["Link"] = ", ".join(
        f'<{links[f]}>; rel="alternate"; type="{RESULT_FORMATS[f][1]}"' for f in links
    )
    resp.headers["Vary"] = "Accept"
    return resp


RDF_RESULT_TYPES = [(k, v[1]) for k, v in RESULT_FORMATS.items()]
_RESULT_MEDIA = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
}


def _result_format() -> str | None:
    """``html`` only when asked for by name (browsers do); API clients get JSON."""
    for media, _q in parse_accept(request.headers.get("Accept")):
        if media in HTML_TYPES:
            return "html"
        if media in ("*/*", "application/*"):
            return "json"
        if media in _RESULT_MEDIA:
            return _RESULT_MEDIA[media]
    return None
