"""Resource pages for every minted IRI (``/id/…``): HTML for people, Turtle, JSON-LD and
N-Triples by content negotiation."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Response, make_response, render_template

from cdskg.rdf.namespaces import (
    CDSKG,
    OA,
    QB,
    SCHEMA,
    SKOS,
)
from cdskg.web import urls
from cdskg.web.context import store
from cdskg.web.errors import error_response
from cdskg.web.pages.common import (
    FORMAT_NAMES,
    RDF_FORMATS,
    RDF_PREFIXES,
    TEXT,
    bp,
    current_lang,
    error_page,
    wanted_format,
)
from cdskg.web.pages.facts import (
    article_panel,
    evidence_panel,
    indicator_panel,
    locality_panel,
    observation_panel,
    pillar_panel,
)
from cdskg.web.pages.framework import framework_panel
from cdskg.web.pages.graph import compact, iri_node, label, link, objects_of, triples_of, types_of


def _alternates(iri: str) -> list[dict[str, str]]:
    return [
        {"href": urls.resource(iri, fmt), "type": RDF_FORMATS[fmt][1], "name": FORMAT_NAMES[fmt]}
        for fmt in RDF_FORMATS
    ]


def _link_header(iri: str) -> str:
    return ", ".join(
        f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in _alternates(iri)
    )


def describe(st: ox.Store, node: ox.NamedNode) -> list[ox.Triple]:
    """The resource's own triples and those of its ``#fragment`` parts (e.g. selectors)."""
    out = triples_of(st, node)
    for t in list(out):
        o = t.object
        if isinstance(o, ox.NamedNode) and o.value.startswith(node.value + "#"):
            out += triples_of(st, o)
    return out


#: Incoming links listed on a resource page; the rest are counted.
INCOMING_SHOWN = 200


@bp.get("/id/<path:rest>")
def resource(rest: str):
    st, version = store()
    iri = urls.iri_of_path(rest)
    try:
        node = iri_node(iri)
    except ValueError:
        return _not_found(iri, rest)
    fmt = wanted_format()
    if fmt is None:
        offered = ", ".join(["text/html", *(m for _, m in RDF_FORMATS.values())])
        return error_response(
            406, "not acceptable", f"offered: {offered}; or ?format=ttl|jsonld|nt"
        )
    triples = describe(st, node)
    incoming = triples_of(st, None, None, node)
    if not triples and not incoming:
        return _not_found(iri, rest)
    if fmt != "html":
        rdf_format, media = RDF_FORMATS[fmt]
        body = ox.serialize(triples, format=rdf_format, prefixes=RDF_PREFIXES)
        resp = Response(body, mimetype=media)
    else:
        resp = make_response(_resource_html(st, node, triples, incoming))
    resp.headers["Link"] = _link_header(iri)
    resp.headers["Vary"] = "Accept"
    resp.headers["X-Store-Version"] = version
    return resp


def _not_found(iri: str, rest: str) -> Response:
    """404: a page saying what is not there and offering a search for the path's last
    words (``…/district/999999`` → «999999»), or the JSON error shape."""
    t = TEXT[current_lang()]
    words = rest.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").strip()
    links = [(urls.search(words), t["go_search"].format(q=words))] if words else []
    links.append((urls.queries(), t["go_queries"]))
    return error_page(
        404,
        "not found",
        f"nothing is known about <{iri}>",
        message=t["unknown_resource"].format(iri=iri),
        links=links,
    )


def _resource_html(st, node, triples, incoming) -> str:
    lang = current_lang()
    iri = node.value
    types = types_of(st, node)
    props: dict[str, list] = {}
    for t in triples:
        if t.subject != node:
            continue
        if t.predicate.value == SCHEMA + "text":
            continue  # shown as the article body
        props.setdefault(t.predicate.value, []).append(link(st, t.object, lang))
    properties = [
        {"predicate": link(st, iri_node(p), lang), "compact": compact(p), "values": vals}
        for p, vals in sorted(props.items(), key=lambda kv: compact(kv[0]))
    ]
    named = sorted(
        (t for t in incoming if isinstance(t.subject, ox.NamedNode)),
        key=lambda t: (t.predicate.value, t.subject.value),
    )
    # Only the links shown are made: each costs label lookups, and a pillar has tens of
    # thousands of incoming links at 100k observations.
    inc = [
        {"subject": link(st, t.subject, lang), "predicate": compact(t.predicate.value)}
        for t in named[:INCOMING_SHOWN]
    ]
    ctx: dict[str, object] = {
        "iri": iri,
        "title": label(st, node, lang),
        "types": [link(st, iri_node(t), lang) for t in sorted(types)],
        "properties": properties,
        "incoming": inc,
        "incoming_more": max(0, len(named) - INCOMING_SHOWN),
        "alternates": _alternates(iri),
        "kind": "generic",
    }
    if QB + "Observation" in types:
        ctx.update(kind="observation", **observation_panel(st, node, lang))
    elif OA + "SpecificResource" in types:
        ctx.update(kind="evidence", evidence=evidence_panel(st, node))
    elif SCHEMA + "NewsArticle" in types:
        ctx.update(kind="article", **article_panel(st, node, lang))
    elif CDSKG + "AdministrativeUnit" in types:
        ctx.update(kind="locality", **locality_panel(st, node, lang))
    elif CDSKG + "Pillar" in types:
        ctx.update(kind="pillar", **pillar_panel(st, node, lang))
    elif CDSKG + "Indicator" in types:
        ctx.update(kind="indicator", **indicator_panel(st, node, lang))
        ctx.update(framework_panel(st, node, lang))
    mentioned = [t.subject for t in triples_of(st, None, iri_node(SCHEMA + "mentions"), node)]
    mentioned += objects_of(st, node, CDSKG + "mentionedIn")
    ctx["mentioned_in"] = [link(st, a, lang) for a in dict.fromkeys(mentioned)]
    definition = [o for o in objects_of(st, node, SKOS + "definition") if isinstance(o, ox.Literal)]
    ctx["definition"] = next(
        (d.value for d in definition if d.language == lang),
        definition[0].value if definition else None,
    )
    return render_template("resource.html", **ctx)
