"""The home page and the accent-insensitive search."""

from __future__ import annotations

import pyoxigraph as ox
from flask import make_response, render_template, request

from cdskg import urls
from cdskg.iri import fold
from cdskg.namespaces import (
    CDSKG,
    RDF,
    SCHEMA,
)
from cdskg.query import run_query
from cdskg.stats import summary
from cdskg.web.context import store
from cdskg.web.pages.common import bp, current_lang
from cdskg.web.pages.graph import compact, iri_node, label, one_of, triples_of, types_of


@bp.get("/")
def home():
    st, version = store()
    info, articles = _home_data(st, version, current_lang())
    resp = make_response(
        render_template("home.html", summary=info, version=version, articles=articles)
    )
    return resp


#: Articles listed on the home page; the catalogue's `articles` page lists them all.
HOME_ARTICLES = 50
_HOME: dict[tuple[str, str], tuple[dict[str, object], list[dict[str, str]]]] = {}


def _home_data(
    st: ox.Store, version: str, lang: str
) -> tuple[dict[str, object], list[dict[str, str]]]:
    """The home page's counts and articles, once per store version and language: the
    counts read every observation (2.2 s a visit at 100k observations)."""
    hit = _HOME.get((version, lang))
    if hit is not None:
        return hit
    info = summary(st)
    for p in info["pillars"]:
        p["label"] = label(st, iri_node(p["pillar"]), lang)
        p["href"] = urls.resource(p["pillar"])
    news = {
        t.subject
        for t in triples_of(st, None, iri_node(RDF + "type"), iri_node(SCHEMA + "NewsArticle"))
    }
    articles = [
        {"href": urls.resource(a.value), "text": label(st, a, lang)}
        for a in sorted(news, key=lambda n: n.value)[:HOME_ARTICLES]
    ]
    if any(v != version for v, _ in list(_HOME)):  # a copy: other threads may add
        _HOME.clear()
    _HOME[(version, lang)] = (info, articles)
    return info, articles


@bp.get("/search")
def search():
    st, version = store()
    lang = current_lang()
    q = request.args.get("q", "").strip()
    hits = _search(st, version, q)[:50] if q else []
    results = []
    for iri, text, n in hits:
        node = iri_node(iri)
        parent = one_of(st, node, CDSKG + "parentUnit")
        kind = sorted(compact(t) for t in types_of(st, node) if t.startswith(CDSKG))
        results.append(
            {
                "href": urls.resource(iri),
                "text": label(st, node, lang),
                "matched": text,
                "iri": iri,
                "facts": n,
                "parent": label(st, parent, lang) if parent is not None else None,
                "kind": ", ".join(kind),
            }
        )
    return render_template("search.html", q=q, results=results)


_INDEX: dict[str, tuple[list[tuple[str, str, str]], dict[str, int]]] = {}


def _label_index(st: ox.Store, version: str) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """(folded label, label, IRI) of every cdskg thing, and fact counts; per store version."""
    if version in _INDEX:
        return _INDEX[version]
    rows = run_query(
        st,
        """SELECT DISTINCT ?s ?l WHERE {
             { ?s rdfs:label ?l } UNION { ?s skos:prefLabel ?l } UNION { ?s skos:altLabel ?l }
             FILTER(isIRI(?s) && STRSTARTS(STR(?s), "https://w3id.org/cdskg/"))
           }""",
    )
    index = [(fold(r["l"].value), r["l"].value, r["s"].value) for r in rows]
    counts: dict[str, int] = {}
    for r in run_query(
        st,
        """SELECT ?s (COUNT(DISTINCT ?o) AS ?n) WHERE {
             { ?o sdmx-dimension:refArea ?s } UNION { ?o cdskg:indicator ?s }
             UNION { ?o cdskg:pillar ?s } UNION { ?o cdskg:sourceArticle ?s }
           } GROUP BY ?s""",
    ):
        counts[r["s"].value] = int(r["n"].value)
    _INDEX.clear()
    _INDEX[version] = (index, counts)
    return index, counts


def _search(st: ox.Store, version: str, q: str) -> list[tuple[str, str, int]]:
    """Labels matching every word of ``q`` after folding accents and case; things with
    facts first, then exact, then prefix matches, then shorter labels."""
    index, counts = _label_index(st, version)
    words = fold(q).split()
    if not words:
        return []
    phrase = " ".join(words)
    best: dict[str, tuple] = {}
    for folded, text, iri in index:
        if all(w in folded for w in words):
            key = (
                -counts.get(iri, 0),
                folded != phrase and not folded.endswith(" " + phrase),
                not folded.startswith(words[0]),
                len(folded),
                text,
            )
            if iri not in best or key < best[iri][0]:
                best[iri] = (key, text)
    ranked = sorted(best.items(), key=lambda kv: kv[1][0])
    return [(iri, text, counts.get(iri, 0)) for iri, (_key, text) in ranked]
