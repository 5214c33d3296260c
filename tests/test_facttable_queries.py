"""The facts tables' queries (bound by VALUES, periods read DISTINCT hop by hop) give what
the plain formulation gives (pyoxigraph substitutions, the period path joined directly), on
the built sample store: the same rows in the same order, the same counts and facets."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cdskg.rdf.namespaces import SDMX_DIMENSION, SDMX_MEASURE
from cdskg.store.generations import ReadOnlyStore
from cdskg.store.query import run_query
from cdskg.web.pages import facttable as ft


@pytest.fixture(scope="module")
def store(built_store: Path) -> ox.Store:
    st, _version = ReadOnlyStore(built_store).get()
    return st


def _subs(bound: dict) -> dict:
    return {ox.Variable(k): ft.term_of(k, v) for k, v in bound.items()}


def _plain_where(bound: dict, *extra: str) -> str:
    return "?obs a qb:Observation .\n" + "\n".join(
        f"  ?obs <{ft.DIMS[d].predicate}> ?{d} ." for d in [*bound, *extra]
    )


def _plain_page(st, sel: ft.Selection, lang: str) -> list:
    order, needs = ft._order(sel.sort, lang)
    v = " ".join(f"?{k}" for k in sel.bound)
    q = (
        f"SELECT {v} ?obs (SAMPLE(?v) AS ?value) (MAX(?e) AS ?end)"
        " (MIN(?l_) AS ?sortLabel) WHERE {\n"
        f"  {_plain_where(sel.bound)}\n"
        f"  ?obs <{SDMX_MEASURE}obsValue> ?v ; <{SDMX_DIMENSION}refPeriod> ?p_ .\n"
        "  OPTIONAL { ?p_ time:inXSDDate ?e }\n"
        "  OPTIONAL { ?p_ time:hasEnd/time:inXSDDate ?e }\n"
        f"{needs}}}\nGROUP BY {v} ?obs ORDER BY {order}\n"
        f"LIMIT {sel.size} OFFSET {(sel.page - 1) * sel.size}"
    )
    return [r["obs"] for r in run_query(st, q, substitutions=_subs(sel.bound))]


def _plain_facet(st, sel: ft.Selection, dim: str) -> list:
    bound = {k: x for k, x in sel.bound.items() if k != dim}
    v = " ".join(f"?{k}" for k in bound)
    q = (
        f"SELECT {v} ?value (COUNT(DISTINCT ?obs) AS ?n) WHERE {{ {_plain_where(bound)}\n"
        f"  ?obs <{ft.DIMS[dim].predicate}> ?value }}\n"
        f"GROUP BY {v} ?value ORDER BY DESC(?n) ?value LIMIT {ft.FACET_VALUES + 1}"
    )
    return [(r["value"], int(r["n"].value)) for r in run_query(st, q, substitutions=_subs(bound))]


SCOPES = [
    {},
    {"pillar": "digital-government"},
    {"indicator": "online-dossier-rate"},
    {"area": "pre2025/district/918"},
    {"article": "000-41fe44b677ccd56a"},
]
FILTERS = [{}, {"role": "actual"}, {"breakdown": "total", "unit": "PERCENT"}]


@pytest.mark.parametrize("scope", SCOPES, ids=repr)
def test_tables_answer_as_the_plain_queries(store: ox.Store, scope: dict) -> None:
    pages = 0
    for filters in FILTERS:
        for sort in ["-period", "period", "value", "-value", "indicator", "-area"]:
            sel = ft.Selection(scope=scope, filters=filters, sort=sort, size=7)
            for lang in ("vi", "en"):
                page = ft.page_of(store, sel, lang)
                assert page == _plain_page(store, sel, lang), (filters, sort, lang)
                pages += bool(page)
        sel = ft.Selection(scope=scope, filters=filters)
        for dim in ft.FACETS:
            assert ft.facet(store, sel, dim) == _plain_facet(store, sel, dim), (filters, dim)
    assert pages > 0


def test_a_filter_value_is_a_term_in_the_text() -> None:
    values = ft._values({"role": 'actual" } ?obs ?p ?o {'})
    assert values == 'VALUES (?role) { ("actual\\" } ?obs ?p ?o {") }\n'
    with pytest.raises(ft.BadSelection):
        ft._values({"area": "> } ?s ?p ?o {"})
