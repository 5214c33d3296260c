"""benchmarks/bench_pages.py on the sample store (tiny sizes, nothing timed): the query text it
sends oxigraph answers what the catalogue query answers, every page kind finds its IRI, and
the stores it makes hold the copies it says."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from cdskg.publish import query_catalogue
from cdskg.store.generations import open_read_only
from conftest import load_benchmark

ROOT = Path(__file__).resolve().parents[1]


def _rows(result: ox.QuerySolutions) -> list[tuple[str | None, ...]]:
    names = [v.value for v in result.variables]
    return sorted(tuple(None if row[n] is None else str(row[n]) for n in names) for row in result)


def test_oxigraph_text_answers_what_the_catalogue_query_answers(built_store: Path) -> None:
    """Prefixes written out and the defaults bound by VALUES, as plain SPARQL: the same rows
    as the catalogue's substitutions, for every query."""
    bench = load_benchmark("bench_pages")
    st, _ = open_read_only(built_store)
    queries = query_catalogue.load_all(ROOT / "queries")
    assert len(queries) >= 20
    answered = 0
    for q in queries:
        expected = _rows(q.run(st))
        text = bench.oxigraph_text(q)
        assert _rows(st.query(text, use_default_graph_as_union=True)) == expected, q.name
        answered += bool(expected)
    assert answered >= len(queries) - 2  # the comparison is not of empty answers


def test_every_page_kind_finds_its_resource(built_store: Path) -> None:
    bench = load_benchmark("bench_pages")
    st, _ = open_read_only(built_store)
    requests = bench.pages(st)
    names = [r.name for r in requests]
    assert len(names) == len(set(names))
    resources = [r for r in requests if r.path.startswith("/id/")]
    # localities (4), indicators (2), pillar, article, observation, evidence, generic (2)
    assert len(resources) == 12, [r.name for r in resources]
    assert "/id/article/000-41fe44b677ccd56a" in {r.path for r in resources}


def test_synthesised_store_holds_its_copies(built_store: Path, tmp_path: Path) -> None:
    bench = load_benchmark("bench_pages")
    seed, _ = open_read_only(built_store)
    per_copy = bench.count_observations(seed)
    articles = len(list(seed.named_graphs())) - 2  # reference data and build metadata
    root = bench.synthesise(built_store, tmp_path / "store", 3 * per_copy)
    st, _ = open_read_only(root)
    assert bench.count_observations(st) == 3 * per_copy
    graphs = {g.value for g in st.named_graphs()}
    assert len(graphs) == 3 * articles + 2
    first = "https://w3id.org/cdskg/id/article/000-41fe44b677ccd56a"
    assert {first, first + "-c0001", first + "-c0002"} <= graphs
