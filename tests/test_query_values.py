"""Catalogue parameters bound by ``VALUES`` give the answers pyoxigraph's substitutions gave,
byte for byte, with the declared defaults and with other values, on the built sample store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cdskg.publish import query_catalogue as catalogue
from cdskg.store.generations import ReadOnlyStore
from cdskg.store.query import run_query

ID = "https://w3id.org/cdskg/id/"
#: Other values than the defaults, each naming something the sample store has facts about.
OTHER_VALUES = {
    "article-facts": [{"article": ID + "article/001-c41d1d107520682b"}, {"lang": "en"}],
    "indicator-by-locality": [{"indicator": ID + "indicator/eid-activated-accounts"}],
    "locality-profile": [{"area": ID + "unit/2025/province/92", "lang": "en"}],
    "ranking": [{"breakdown": ID + "breakdown/commune-average"}],
    "high-rates": [{"min": "50", "lang": "en"}],
}


@pytest.fixture(scope="module")
def store(built_store: Path) -> ox.Store:
    st, _version = ReadOnlyStore(built_store).get()
    return st


def _cases() -> list[tuple[str, dict[str, str]]]:
    cases = []
    for q in catalogue.load_all():
        cases.append((q.name, {}))
        if any(p.name == "lang" for p in q.params):
            cases.append((q.name, {"lang": "en"}))
        cases += [(q.name, given) for given in OTHER_VALUES.get(q.name, [])]
    return cases


def _json(result) -> bytes:
    return result.serialize(format=ox.QueryResultsFormat.JSON)


@pytest.mark.parametrize(
    ("name", "given"), _cases(), ids=lambda x: x if isinstance(x, str) else repr(x)
)
def test_values_give_the_substituted_answer(store: ox.Store, name: str, given: dict) -> None:
    q = catalogue.load(name)
    bindings = q.bindings(given)
    substituted = _json(run_query(store, q.text, substitutions=bindings))
    assert _json(q.run(store, given)) == substituted
    if bindings:  # bound by VALUES, not substituted
        assert q.bound_text(bindings).count(" VALUES (") == q.text.upper().count("WHERE {")


def test_the_answers_are_not_all_empty(store: ox.Store) -> None:
    """The comparison above compares answers that hold rows."""
    empty = [q.name for q in catalogue.load_all() if not list(q.run(store))]
    assert len(empty) <= 3, empty


def test_a_value_stays_a_term_in_the_text() -> None:
    q = catalogue.load("locality-profile")
    evil = 'vi") } UNION { ?obs ?p ?o } #'
    text = q.bound_text(q.bindings({"lang": evil}))
    assert '"vi\\") } UNION { ?obs ?p ?o } #"' in text
    assert ox.Store().query(text, prefixes=catalogue.PREFIXES) is not None  # it still parses


def test_where_in_comments_strings_and_iris_is_left_alone() -> None:
    q = catalogue.parse(
        "x",
        "# title@vi: a WHERE {\n# title@en: a\n# param: v string x\n"
        'SELECT ?v WHERE { # WHERE {\n ?s <http://e/WHERE> "WHERE {" }',
    )
    text = q.bound_text(q.bindings({}))
    assert text.count("VALUES") == 1
    assert text.index("VALUES") < text.index("# WHERE {\n ?s")
    assert q.bound_text({}) == q.text


def test_a_query_may_keep_substitutions(store: ox.Store) -> None:
    """``# bind: substitutions`` (ranking: VALUES made Oxigraph start its join from them)."""
    q = catalogue.load("ranking")
    assert q.bind == "substitutions"
    assert catalogue.load("article-facts").bind == "values"
    with pytest.raises(catalogue.CatalogueError, match="bind: use one of"):
        catalogue.parse("x", "# title@vi: a\n# title@en: a\n# bind: text\nSELECT * {}")
