"""Reading one resource's neighbourhood from the store, and showing terms as text and links."""

from __future__ import annotations

import pyoxigraph as ox

from cdskg.rdf.iri import PERIOD_PREFIX
from cdskg.rdf.namespaces import (
    FOAF,
    PREFIXES,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
)
from cdskg.web import urls
from cdskg.web.pages.words import class_label, period_label


def iri_node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def triples_of(st: ox.Store, s=None, p=None, o=None) -> list[ox.Triple]:
    """Distinct triples over the union of all graphs."""
    seen: dict[tuple, ox.Triple] = {}
    for q in st.quads_for_pattern(s, p, o, None):
        t = q.triple
        seen.setdefault((t.subject, t.predicate, t.object), t)
    return list(seen.values())


def objects_of(st: ox.Store, s: ox.NamedNode, p: str) -> list:
    return [t.object for t in triples_of(st, s, iri_node(p))]


def one_of(st: ox.Store, s: ox.NamedNode, p: str):
    objs = objects_of(st, s, p)
    return objs[0] if objs else None


def compact(iri: str) -> str:
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, name = ns, prefix
    if best:
        local = iri[len(best) :]
        return f"{name}:{local}"
    return iri


def label(st: ox.Store, term, lang: str) -> str:
    """The best label of a term in ``lang`` (then Vietnamese, then any), else its short IRI."""
    if isinstance(term, ox.Literal):
        return term.value
    if not isinstance(term, ox.NamedNode):
        return str(term)
    found: dict[str, str] = {}
    for p in (SKOS + "prefLabel", RDFS + "label", SCHEMA + "headline", FOAF + "name"):
        for o in objects_of(st, term, p):
            if isinstance(o, ox.Literal):
                found.setdefault(o.language or "", o.value)
        if found:
            break
    for key in (lang, "vi", "", "en"):
        if key in found:
            return found[key]
    if found:
        return next(iter(found.values()))
    iri = term.value
    if iri.startswith(PERIOD_PREFIX):
        start, _, end = iri[len(PERIOD_PREFIX) :].partition("--")
        return period_label(start, end or None, lang)
    return class_label(iri, lang) or compact(iri)


def types_of(st: ox.Store, node: ox.NamedNode) -> set[str]:
    return {o.value for o in objects_of(st, node, RDF + "type")}


def link(st: ox.Store, term, lang: str) -> dict[str, object]:
    """What a template needs to show a term: text, href (or None), kind."""
    if isinstance(term, ox.NamedNode):
        return {"text": label(st, term, lang), "href": href_of(term.value), "iri": term.value}
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype else ""
        note = term.language or (compact(dt) if dt and dt != XSD + "string" else "")
        return {"text": term.value, "href": None, "note": note}
    return {"text": str(term), "href": None}


def href_of(iri: str) -> str:
    return urls.resource(iri) or iri
