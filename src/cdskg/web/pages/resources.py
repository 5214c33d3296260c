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
from cdskg.store.query import run_query
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
    if not triples and next(st.quads_for_pattern(None, None, node, None), None) is None:
        return _not_found(iri, rest)
    if fmt != "html":
        rdf_format, media = RDF_FORMATS[fmt]
        body = ox.serialize(triples, format=rdf_format, prefixes=RDF_PREFIXES)
        resp = Response(body, mimetype=media)
    else:
        resp = make_response(_resource_html(st, node, triples))
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


# The node is bound by VALUES (its IRI as pyoxigraph writes it), not by substitution: Oxigraph
# plans a substituted ?node as unbound and reads every quad of the store for ?s ?p ?node.
_INCOMING = """SELECT DISTINCT ?node ?s ?p WHERE {
  VALUES ?node { %s } ?s ?p ?node FILTER(isIRI(?s)) }
ORDER BY ?p ?s LIMIT %d"""
_INCOMING_COUNT = """SELECT ?node (COUNT(*) AS ?n) WHERE {
  SELECT DISTINCT ?node ?s ?p WHERE { VALUES ?node { %s } ?s ?p ?node FILTER(isIRI(?s)) } }
GROUP BY ?node"""
#: Articles listed under "mentioned in"; the rest are counted.
MENTIONS_SHOWN = 50


def incoming_links(st: ox.Store, node: ox.NamedNode) -> tuple[list[tuple], int]:
    """The first :data:`INCOMING_SHOWN` ``(subject, predicate)`` links to ``node`` by
    predicate and subject, and how many there are: a pillar has tens of thousands at 100k
    observations, and only the shown ones are read out of the store and labelled."""
    term = str(ox.NamedNode(node.value))
    shown = [(r["s"], r["p"]) for r in run_query(st, _INCOMING % (term, INCOMING_SHOWN))]
    total = next(iter(run_query(st, _INCOMING_COUNT % term)), None)
    return shown, int(total["n"].value) if total is not None else 0


def mentioning(st: ox.Store, node: ox.NamedNode) -> tuple[list, int]:
    """Up to :data:`MENTIONS_SHOWN` articles that mention ``node``, and how many do."""
    found = dict.fromkeys(
        q.subject for q in st.quads_for_pattern(None, iri_node(SCHEMA + "mentions"), node, None)
    )
    found.update(dict.fromkeys(objects_of(st, node, CDSKG + "mentionedIn")))
    articles = list(found)
    return articles[:MENTIONS_SHOWN], len(articles)


def _resource_html(st, node, triples) -> str:
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
    named, n_incoming = incoming_links(st, node)
    inc = [{"subject": link(st, s, lang), "predicate": compact(p.value)} for s, p in named]
    ctx: dict[str, object] = {
        "iri": iri,
        "title": label(st, node, lang),
        "types": [link(st, iri_node(t), lang) for t in sorted(types)],
        "properties": properties,
        "incoming": inc,
        "incoming_more": max(0, n_incoming - len(named)),
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
    mentioned, n_mentioned = mentioning(st, node)
    ctx["mentioned_in"] = [link(st, a, lang) for a in mentioned]
    ctx["mentioned_more"] = n_mentioned - len(mentioned)
    definition = [o for o in objects_of(st, node, SKOS + "definition") if isinstance(o, ox.Literal)]
    ctx["definition"] = next(
        (d.value for d in definition if d.language == lang),
        definition[0].value if definition else None,
    )
    return render_template("resource.html", **ctx)
