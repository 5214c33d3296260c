"""The home page, and the label index the catalogue's parameters are picked from (the
search page has an index of its own: :mod:`cdskg.web.pages.search`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from flask import make_response, render_template

from cdskg.rdf.namespaces import (
    RDF,
    SCHEMA,
)
from cdskg.store.query import run_query
from cdskg.text.fold import fold
from cdskg.web import urls
from cdskg.web.context import store
from cdskg.web.pages.common import bars, bp, current_lang
from cdskg.web.pages.graph import iri_node, label, triples_of
from cdskg.web.stats import summary


@bp.get("/")
def home():
    st, version = store()
    info, articles = _home_data(st, version, current_lang())
    resp = make_response(
        render_template("home.html", summary=info, version=version, articles=articles)
    )
    return resp


class PerVersion:
    """Values computed once per store version and key; a new version drops the older ones.
    Requests in other threads may ask at the same time: at worst two compute one value."""

    def __init__(self) -> None:
        # One attribute, replaced whole, so that no thread sees a version with another's values.
        self.current: tuple[str | None, dict[object, Any]] = (None, {})

    def get(self, version: str, key: object, compute: Callable[[], Any]) -> Any:
        current = self.current
        if current[0] != version:
            current = self.current = (version, {})
        values = current[1]
        if key not in values:
            values[key] = compute()
        return values[key]


#: Articles listed on the home page; the catalogue's `articles` page lists them all.
HOME_ARTICLES = 50
_HOME = PerVersion()


def _home_data(
    st: ox.Store, version: str, lang: str
) -> tuple[dict[str, object], list[dict[str, str]]]:
    """The home page's counts and articles, once per store version and language: the
    counts read every observation (2.2 s a visit at 100k observations)."""
    return _HOME.get(version, lang, lambda: _compute_home(st, lang))


def _compute_home(st: ox.Store, lang: str) -> tuple[dict[str, object], list[dict[str, str]]]:
    info = summary(st)
    for p in info["pillars"]:
        p["label"] = label(st, iri_node(p["pillar"]), lang)
        p["href"] = urls.resource(p["pillar"])
    info["pillar_chart"] = bars([(p["label"], p["count"], p["href"]) for p in info["pillars"]])
    news = {
        t.subject
        for t in triples_of(st, None, iri_node(RDF + "type"), iri_node(SCHEMA + "NewsArticle"))
    }
    articles = [
        {"href": urls.resource(a.value), "text": label(st, a, lang)}
        for a in sorted(news, key=lambda n: n.value)[:HOME_ARTICLES]
    ]
    return info, articles


_INDEX = PerVersion()


def _label_index(st: ox.Store, version: str) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """(folded label, label, IRI) of every cdskg thing, and fact counts; per store version."""
    return _INDEX.get(version, None, lambda: _compute_label_index(st))


def _compute_label_index(st: ox.Store) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
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
    return index, counts
