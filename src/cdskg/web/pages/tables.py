"""Observation tables as pages and data: ``/facts`` (every observation, filtered, sorted,
faceted and paged; ``?format=csv|json`` gives exactly the rows the page shows) and
``/localities`` (the localities that have figures, with their counts).

The resource pages of a locality, indicator, pillar and article draw the same table with
their own dimension fixed (:func:`page_table`); their CSV/JSON links point here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Response, jsonify, render_template, request

from cdskg.store.query import run_query
from cdskg.web import urls
from cdskg.web.context import store
from cdskg.web.pages.common import TEXT, bp, current_lang, error_page
from cdskg.web.pages.facttable import (
    BadSelection,
    Labels,
    Selection,
    count,
    fact_row,
    page_of,
    table,
)
from cdskg.web.pages.graph import link

#: The columns of a table's CSV and JSON, in order.
DATA_COLUMNS = (
    "observation", "indicator", "indicator_label", "area", "area_label", "figure", "value",
    "unit", "stated_as", "qualifier", "value_role", "breakdown", "breakdown_label", "period",
    "period_label", "pillar", "article", "article_title",
)  # fmt: skip


def page_table(st: ox.Store, scope: Mapping[str, str], lang: str, path: str) -> dict[str, object]:
    """The table of a resource page (``scope`` fixed), read from the request's arguments;
    a bad argument leaves the table at its defaults and says why."""
    problem = None
    try:
        sel = Selection.from_args(request.args, scope)
    except BadSelection as e:
        sel, problem = Selection(scope=dict(scope)), str(e)
    return {
        "table": table(st, sel, lang),
        "table_links": links_of(sel, path),
        "table_problem": problem,
    }


def links_of(sel: Selection, path: str) -> dict[str, object]:
    """The URL builders a table's template needs: the page with changed arguments (``here``)
    and the data of exactly what is shown (``data``)."""
    keep = {k: v for k, v in request.args.items() if k == "lang"}

    def here(**changes: str | int | None) -> str:
        args = {**keep, **sel.args(**changes)}
        return path + ("?" + urlencode(args) if args else "") + "#facts"

    def data(fmt: str) -> str:
        return urls.facts({**sel.scope, **sel.args(), **keep}, fmt)

    return {"here": here, "data": data}


@bp.get("/facts")
def facts():
    st, version = store()
    lang = current_lang()
    fmt = request.args.get("format", "html")
    if fmt not in ("html", "csv", "json"):
        return error_page(
            400, "bad request", f"format={fmt!r}: use html, csv or json",
            message=TEXT[lang]["bad_param"].format(value=fmt, param="format"),
        )  # fmt: skip
    try:
        sel = Selection.from_args(request.args)
    except BadSelection as e:
        return error_page(
            400, "bad request", str(e),
            message=TEXT[lang]["bad_table_arg"].format(detail=e),
            links=[(urls.facts(), TEXT[lang]["all_facts"])],
        )  # fmt: skip
    if fmt == "html":
        body = render_template(
            "facts.html", table=table(st, sel, lang), table_links=links_of(sel, urls.facts())
        )
        resp = Response(body, mimetype="text/html")
    else:
        labels = Labels(st, lang)
        rows = [data_row(fact_row(st, o, labels, lang), lang) for o in page_of(st, sel, lang)]
        resp = _csv(rows) if fmt == "csv" else _json(st, sel, rows)
    resp.headers["X-Store-Version"] = version
    return resp


def data_row(row: Mapping[str, object], lang: str) -> dict[str, object]:
    """A table row as plain values (IRIs and labels in the page's language)."""
    terms = row["terms"]

    def iri(key: str) -> str:
        term = terms.get(key)
        return term.value if term is not None else ""

    def text(key: str) -> str:
        shown = row.get(key)
        return shown["text"] if shown else ""

    return {
        "observation": row["iri"],
        "indicator": iri("indicator"),
        "indicator_label": text("indicator"),
        "area": iri("area"),
        "area_label": text("area"),
        "figure": row["shown"],
        "value": row["value"],
        "unit": row["unit"],
        "stated_as": row["stated"],
        "qualifier": row["qualifier"],
        "value_role": row["role"],
        "breakdown": iri("breakdown"),
        "breakdown_label": text("breakdown"),
        "period": iri("period"),
        "period_label": text("period"),
        "pillar": iri("pillar"),
        "article": iri("article"),
        "article_title": text("article"),
    }


def _csv(rows: list[dict[str, object]]) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(DATA_COLUMNS)
    for r in rows:
        writer.writerow(["" if r[c] is None else r[c] for c in DATA_COLUMNS])
    resp = Response("\ufeff" + buf.getvalue(), mimetype="text/csv")
    resp.headers["Content-Disposition"] = 'inline; filename="facts.csv"'
    return resp


def _json(st: ox.Store, sel: Selection, rows: list[dict[str, object]]) -> Response:
    total = count(st, sel)
    more = sel.page * sel.size < total
    args = {**sel.args(), "format": "json"}
    return jsonify(
        {
            "filters": dict(sel.filters),
            "sort": sel.sort,
            "page": sel.page,
            "size": sel.size,
            "total": total,
            "next": urls.facts({**args, "page": str(sel.page + 1)}) if more else None,
            "columns": list(DATA_COLUMNS),
            "rows": rows,
        }
    )


#: Localities a page of /localities lists.
LOCALITIES_PAGE = 100


@bp.get("/localities")
def localities():
    """The localities with figures, most figures first, a page at a time."""
    st, version = store()
    lang = current_lang()
    try:
        sel = Selection.from_args({"page": request.args.get("page", "")})
    except BadSelection as e:
        return error_page(
            400, "bad request", str(e),
            message=TEXT[lang]["bad_table_arg"].format(detail=e),
            links=[(urls.localities(), TEXT[lang]["localities_with_data"])],
        )  # fmt: skip
    offset = (sel.page - 1) * LOCALITIES_PAGE
    rows = [
        {"area": link(st, r["area"], lang), "n": int(r["n"].value), "code": r["area"].value}
        for r in run_query(
            st,
            "SELECT ?area (COUNT(DISTINCT ?obs) AS ?n) WHERE {"
            " ?obs a qb:Observation ; sdmx-dimension:refArea ?area }"
            f" GROUP BY ?area ORDER BY DESC(?n) ?area LIMIT {LOCALITIES_PAGE} OFFSET {offset}",
        )
    ]
    total = next(
        iter(
            run_query(
                st,
                "SELECT (COUNT(DISTINCT ?area) AS ?n) WHERE {"
                " ?obs a qb:Observation ; sdmx-dimension:refArea ?area }",
            )
        )
    )["n"]
    total = int(total.value)
    pages = max(1, -(-total // LOCALITIES_PAGE))
    keep = {k: v for k, v in request.args.items() if k == "lang"}
    for r in rows:
        short = r["code"].split("/id/unit/", 1)[-1]
        r["facts_href"] = urls.facts({"area": short, **keep})
    body = render_template(
        "localities.html",
        rows=rows,
        total=total,
        page=sel.page,
        pages=pages,
        first=offset + 1,
        page_href=lambda n: urls.localities() + "?" + urlencode({**keep, "page": n}),
    )
    resp = Response(body, mimetype="text/html")
    resp.headers["X-Store-Version"] = version
    return resp
