"""The query catalogue as pages and as a JSON/CSV/TSV/XML API (``/queries/NAME``)."""

from __future__ import annotations

import math
import re

import pyoxigraph as ox
from flask import Response, make_response, render_template, request

from cdskg.errors import QueryError
from cdskg.publish import answers
from cdskg.publish import query_catalogue as catalogue
from cdskg.rdf.namespaces import CDSKG
from cdskg.store.query import RESULT_FORMATS
from cdskg.web import urls
from cdskg.web.context import answers_folder, store
from cdskg.web.errors import error_response
from cdskg.web.negotiation import parse_accept
from cdskg.web.pages import params, words
from cdskg.web.pages.common import (
    HTML_TYPES,
    TEXT,
    bars,
    bp,
    chart_number,
    chart_values,
    current_lang,
    error_page,
)
from cdskg.web.pages.graph import compact, label, link, one_of
from cdskg.web.pages.words import column_label, qualifier_label, role_label


@bp.get("/queries")
def queries():
    return render_template("queries.html", queries=catalogue.load_all())


@bp.get("/queries/<name>")
def query(name: str):
    try:
        q = catalogue.load(name)
    except KeyError:
        t = TEXT[current_lang()]
        return error_page(
            404,
            "not found",
            f"no catalogue query named {name!r}; see /queries",
            message=t["unknown_query"].format(name=name),
            links=[
                (urls.search(name.replace("-", " ")), t["go_search"].format(q=name)),
                (urls.queries(), t["go_queries"]),
            ],
        )
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
        bindings = q.bindings(params.resolve(st, version, q, given))
        # the answer the preparer wrote for these bindings, if it did: the same bytes
        prepared = answers.lookup(answers_folder(version), q, bindings, _stored_format(fmt))
        if prepared is None:
            result = q.run_bound(st, bindings)
        elif fmt == "html":
            result = ox.parse_query_results(prepared, format=RESULT_FORMATS["json"][0])
    except params.Unresolved as exc:
        return _unresolved(st, q, given, exc, fmt == "html")
    except QueryError as exc:
        if "parameter" in str(exc):
            return _bad_parameter(q, given, str(exc), fmt == "html")
        return error_response(400, "bad query", str(exc))
    if fmt != "html":
        results_format, media = RESULT_FORMATS[fmt]
        if prepared is None:
            resp = Response(result.serialize(format=results_format), mimetype=media)
        else:
            resp = Response(prepared, mimetype=media)
        resp.headers["X-Store-Version"] = version
        resp.headers["X-Answer"] = "live" if prepared is None else "prepared"
        resp.headers["Vary"] = "Accept"
        return resp
    variables = [v.value for v in result.variables]
    shown = [v for v in variables if v not in declared]
    table = []
    for sol in result:
        table.append([None if sol[v] is None else link(st, sol[v], lang) for v in shown])
    # the chart reads the codes (a qualifier's sign, like with like on breakdown and role)
    drawn = chart_values(shown, q.chart, table)
    chart = bars(drawn["items"], signs=drawn["signs"])
    chart_like = [
        role_label(c["text"], lang) if c["column"] == "role" else c["text"] for c in drawn["like"]
    ]
    # datatypes and language tags are for the editor; a reader sees 90,13, 30/5/2023
    table = [[None if c is None else _plain(c, lang) for c in row] for row in table]
    # codes (actual / target, more-than / at-least) in the page's language
    for column, words_of in (("role", role_label), ("qualifier", qualifier_label)):
        if column not in shown:
            continue
        at = shown.index(column)
        for row in table:
            if row[at] is not None and not row[at].get("href"):
                row[at] = {**row[at], "text": words_of(row[at]["text"], lang), "note": ""}
    values = {p.name: given.get(p.name, "") for p in q.params}
    args = {k: v for k, v in values.items() if v}
    links = {f: urls.query_page(name, args, f) for f in ("csv", "json")}
    resp = make_response(
        render_template(
            "query.html",
            query=q,
            columns=shown,
            titles=column_titles(shown, lang),
            table=table,
            chart=chart,
            chart_like=chart_like,
            chart_left_out=drawn["left_out"],
            values=values,
            picks=params.pick_lists(st, version, q, lang),
            downloads=links,
        )
    )
    resp.headers["Link"] = ", ".join(
        f'<{links[f]}>; rel="alternate"; type="{RESULT_FORMATS[f][1]}"' for f in links
    )
    resp.headers["X-Answer"] = "live" if prepared is None else "prepared"
    resp.headers["Vary"] = "Accept"
    return resp


def _stored_format(fmt: str) -> str:
    """The prepared format a request reads: a page is drawn from the JSON answer."""
    return "json" if fmt == "html" else fmt


def _plain(cell: dict, lang: str = "en") -> dict:
    """A cell for readers: no datatype note, dates and decimals as people write them
    (30/5/2023, 90,13 on Vietnamese pages); integers stay as they are (years, codes)."""
    note = cell.get("note")
    if not note:
        return cell
    text = cell["text"]
    if note == "xsd:date":
        text = words.day(text, lang)
    elif note in ("xsd:decimal", "xsd:double", "xsd:float"):
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            text = chart_number(number, lang)
    return {**cell, "text": text, "note": ""}


def column_titles(columns: list[str], lang: str) -> list[str]:
    """Titles of a result's columns; ``xLabel`` beside ``x`` (a thing and its name, which
    both show the name) is told apart from it.

    >>> column_titles(["area", "areaLabel", "value"], "vi")
    ['Địa bàn', 'Địa bàn (tên)', 'Giá trị']
    """
    titles = []
    for c in columns:
        title = column_label(c, lang)
        if c.endswith("Label") and c[: -len("Label")] in columns:
            title += " (tên)" if lang == "vi" else " (name)"
        titles.append(title)
    return titles


def _unresolved(st, q, given: dict[str, str], exc: params.Unresolved, html: bool) -> Response:
    """400 for a notation or label that names nothing, or several things, of its kind; the
    page lists the candidates as links to the same question with each one."""
    lang = current_lang()
    t = TEXT[lang]
    kind = t.get(f"kind_{exc.kind}", exc.kind)
    if exc.candidates:
        detail = (
            f"parameter {exc.param!r}: {exc.value!r} names {len(exc.candidates)} things;"
            f" give one of their IRIs: {', '.join(exc.candidates[:20])}"
        )
        message = t["many_match"].format(param=exc.param, value=exc.value, kind=kind)
    else:
        detail = (
            f"parameter {exc.param!r}: no {exc.kind} has the IRI, notation or label"
            f" {exc.value!r}; give its IRI (see /search)"
        )
        message = t["no_match"].format(param=exc.param, value=exc.value, kind=kind)
    candidates = [
        (urls.query_page(q.name, {**given, exc.param: iri}), _candidate_text(st, iri, lang))
        for iri in exc.candidates[:50]
    ]
    links = [(urls.search(exc.value), t["go_search"].format(q=exc.value))]
    links.append((urls.query_page(q.name), t["go_query"].format(title=q.title(lang))))
    return error_page(
        400,
        "bad parameter",
        detail,
        message=message,
        links=links,
        candidates=candidates,
        html=html,
    )


def _candidate_text(st, iri: str, lang: str) -> str:
    """«Phường An Thới, Quận Bình Thủy (cdsid:unit/…)»: namesakes told apart by their parent."""
    node = ox.NamedNode(iri)
    text = label(st, node, lang)
    parent = one_of(st, node, CDSKG + "parentUnit")
    if parent is not None:
        text += ", " + label(st, parent, lang)
    return f"{text} ({compact(iri)})"


def _bad_parameter(q, given: dict[str, str], detail: str, html: bool) -> Response:
    lang = current_lang()
    t = TEXT[lang]
    m = re.search(r"parameter '([^']+)'", detail)
    param = m.group(1) if m else ""
    if param in {p.name for p in q.params}:
        message = t["bad_param"].format(param=param, value=given.get(param, ""))
    else:
        names = ", ".join(p.name for p in q.params) or "—"
        message = t["no_param"].format(param=param, names=names)
    links = [(urls.query_page(q.name), t["go_query"].format(title=q.title(lang)))]
    return error_page(400, "bad parameter", detail, message=message, links=links, html=html)


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
