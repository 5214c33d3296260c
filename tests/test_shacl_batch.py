"""The SPARQL constraints run once per batch of graphs (cdskg.validation.native.Plan
.validate_batch): each graph of a batch gets exactly the results pySHACL gives for it
alone, on the corpus as the build validates it, synthetic articles and random batches;
a violation lands on the article that has it, also in the build's gate; graphs that
disagree about a node they share, and queries that do not walk forward from $this, are
kept apart (each still gets pySHACL's results).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from rdflib.namespace import SH

from cdskg.validation import native
from cdskg.validation.engine import NATIVE, PYSHACL, load_shapes, native_plan, validate_graphs
from conftest import load_benchmark
from pyshacl_prepared import prepared_sparql_queries
from test_shacl import (
    CDSHAPE,
    EXAMPLES,
    NODES,
    RDF_TYPE,
    SHAPES,
    SLOW,
    _build_inputs,
    iri,
    observation_graphs,
    results,
    triples,
    typed,
)

ROOT = Path(__file__).resolve().parents[1]
PLAN = native_plan(SHAPES)


@pytest.fixture(scope="module", autouse=True)
def _fast_reference() -> Iterator[None]:
    with prepared_sparql_queries():
        yield


def assert_batch_same(graphs: list[list[ox.Triple | ox.Quad]], shapes=SHAPES) -> list[tuple]:
    """Every graph's results from one native batch equal pySHACL's for that graph alone."""
    try:
        reference = [results(r) for r in validate_graphs(graphs, shapes, engine=PYSHACL)]
    except TypeError:  # rdflib's SPARQL fails on arithmetic with "abc"^^xsd:decimal
        reject()
    batch = [results(r) for r in validate_graphs(graphs, shapes, engine=NATIVE)]
    assert batch == reference
    return batch


def test_the_corpus_articles_share_one_store_and_get_pyshacl_results(corpus: Path) -> None:
    inputs = _build_inputs(corpus)
    assert len(inputs) >= 5
    datas = [native.Data.read(g, PLAN.matched) for g in inputs]
    assert PLAN.batchable and PLAN._stores_for(datas) == [list(range(len(inputs)))]
    assert_batch_same(inputs)


def test_a_violation_lands_on_the_article_that_has_it() -> None:
    """100 synthetic articles sharing their unit, indicator and period; the one broken
    ratio (article 99) is reported for article 99 only."""
    _, texts = load_benchmark("bench_validate").build_store(1000)
    graphs = [list(ox.parse(t, format=ox.RdfFormat.N_TRIPLES)) for t in texts]
    reports = PLAN.validate_batch(graphs)
    failing = [k for k, r in enumerate(reports) if not r.conforms]
    assert failing == [99]
    [result] = reports[99].results
    assert str(result.constraint) == CDSHAPE + "RatioAgreesShape"
    assert result.focus == ox.NamedNode("https://w3id.org/cdskg/id/o999")
    assert result.value == typed("79.40", "decimal")  # the lexical form the article had
    assert_batch_same(graphs[-3:])


def test_the_build_holds_back_the_fact_of_the_article_that_has_it(tmp_path: Path) -> None:
    """In one validation batch of the build, the 150% rate of one article is held back
    there; the articles around it load whole."""
    from cdskg.build.gate import ArticleBuilder
    from cdskg.build.stopwatch import Stopwatch
    from cdskg.extract.articles import read_article
    from cdskg.settings import project_paths
    from test_gate import BAD_RATE, GOOD

    paths = []
    for name, text in (("a_good", GOOD), ("b_bad", BAD_RATE), ("c_good", GOOD)):
        paths.append(tmp_path / f"{name}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    sources = [read_article(p) for p in paths]
    good, bad, other = ArticleBuilder(project_paths()).build_batch(
        sources, [Stopwatch() for _ in sources]
    )
    assert good.loads and other.loads and bad.loads
    assert good.violations == [] == other.violations
    [violation] = bad.violations
    assert violation.shape.endswith("PercentRangeShape")
    assert "150%" in bad.sentences[violation.focus]
    assert violation.focus not in {q.subject.value for q in bad.quads}
    obs_value = "http://purl.org/linked-data/sdmx/2009/measure#obsValue"
    assert sorted(q.object.value for q in bad.quads if q.predicate.value == obs_value) == ["2345.0"]
    assert [q.object.value for q in good.quads if q.predicate.value == obs_value] == ["1234.0"]


def test_graphs_that_disagree_about_a_shared_node_are_kept_apart() -> None:
    """Two graphs give one interval different dates: sharing a store, each would see the
    other's dates. They are validated in two stores, each with pySHACL's results."""
    period, begin, end = iri("id:p"), iri("id:b"), iri("id:e")

    def graph(first: str, last: str) -> list[ox.Triple]:
        return [
            ox.Triple(period, RDF_TYPE, iri("time:ProperInterval")),
            ox.Triple(period, iri("time:hasBeginning"), begin),
            ox.Triple(period, iri("time:hasEnd"), end),
            ox.Triple(begin, iri("time:inXSDDate"), typed(first, "date")),
            ox.Triple(end, iri("time:inXSDDate"), typed(last, "date")),
        ]

    graphs = [graph("2023-01-01", "2023-06-30"), graph("2024-01-01", "2023-12-31")]
    datas = [native.Data.read(g, PLAN.matched) for g in graphs]
    assert PLAN._stores_for(datas) == [[0], [1]]
    order = rdflib.URIRef(CDSHAPE + "PeriodOrderShape")
    found = [[row for row in rows if order in row] for _, rows in assert_batch_same(graphs)]
    assert [len(rows) for rows in found] == [0, 1]
    assert PLAN._stores_for(datas[:1] * 2) == [[0, 1]]  # the same triples: one store


def test_the_shape_examples_as_one_batch() -> None:
    """The examples reuse node names with other triples: several stores, pySHACL's
    results for each example (test_shacl.py compares each example alone)."""
    graphs = [list(ox.parse(path=str(p), format=ox.RdfFormat.TURTLE)) for p in EXAMPLES]
    if not SLOW:
        graphs = graphs[::4]
    reports = PLAN.validate_batch(graphs)
    assert reports == [PLAN.validate(g) for g in graphs]


BACKWARDS = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:message "x" ; sh:select '''
    SELECT $this ?value WHERE {
      $this <http://example.org/p> ?o . ?value <http://example.org/p> ?o .
      FILTER (?value != $this)
    }
''' ] .
"""


def test_a_query_walking_backwards_runs_per_graph() -> None:
    """?value ex:p ?o starts at no node $this leads to: over a shared store, ex:y of the
    other graph would be a row. Such constraints run in a store per graph."""
    shapes = rdflib.Graph().parse(data=BACKWARDS, format="turtle")
    plan = native.compile_shapes(shapes)
    assert not plan.batchable
    c, p = ox.NamedNode("http://example.org/C"), ox.NamedNode("http://example.org/p")
    x, y, o = (ox.NamedNode(f"http://example.org/{n}") for n in "xyo")
    graphs = [
        [ox.Triple(x, RDF_TYPE, c), ox.Triple(x, p, o)],
        [ox.Triple(y, RDF_TYPE, c), ox.Triple(y, p, o)],
    ]
    assert [r[0] for r in assert_batch_same(graphs, shapes)] == [True, True]


def test_every_query_of_our_shapes_walks_forward_from_this() -> None:
    constraints = [c for shape in PLAN.roots for c in shape.sparql]
    assert len(constraints) == 11
    assert all(c.walks_from_this for c in constraints)
    graph = rdflib.Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(path)
    assert len(set(graph.objects(None, SH.select))) == 11


@settings(
    max_examples=100 if SLOW else 15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not SLOW,
)
@given(st.lists(observation_graphs(), min_size=2, max_size=4))
def test_random_batches_of_observations(graphs: list[list[ox.Triple]]) -> None:
    assert_batch_same(graphs)


@settings(
    max_examples=100 if SLOW else 15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not SLOW,
)
@given(st.lists(st.lists(triples, min_size=1, max_size=25), min_size=2, max_size=4))
def test_random_batches_of_graphs(graphs: list[list[ox.Triple]]) -> None:
    assert_batch_same(graphs)


@pytest.mark.parametrize("copies", [1, 3])
def test_a_batch_of_one_graph_is_that_graph(copies: int) -> None:
    shapes = load_shapes(ROOT / "shapes")
    graph = [
        ox.Triple(NODES[0], RDF_TYPE, iri("qb:Observation")),
        ox.Triple(NODES[0], iri("attr:unitMeasure"), iri("unit:PERCENT")),
        ox.Triple(NODES[0], iri("measure:obsValue"), typed("150", "decimal")),
    ]
    assert_batch_same([graph] * copies, shapes)


def test_a_bug_on_one_article_of_a_batch_costs_that_article_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation failing on one article's graph: the batch is validated again article by
    article, that one is reported failed, the others are built."""
    from cdskg.build import gate, pipeline
    from cdskg.extract.articles import read_article
    from cdskg.settings import project_paths
    from test_gate import GOOD

    sources = []
    for name in ("a", "b", "c"):
        path = tmp_path / f"{name}.txt"
        path.write_text(GOOD, encoding="utf-8")
        sources.append(read_article(path))
    real = gate.validate_graphs

    def flaky(graphs, shapes, **kwargs):
        if any(str(t.subject).endswith("/article/b>") for g in graphs for t in g):
            raise RuntimeError("a bug")
        return real(graphs, shapes, **kwargs)

    monkeypatch.setattr(gate, "validate_graphs", flaky)
    done = pipeline.process(gate.ArticleBuilder(project_paths()), sources)
    assert [d.outcome.status for d in done] == ["built", "failed", "built"]
    assert "RuntimeError: a bug" in (done[1].outcome.error or "")
    assert done[0].nquads and done[2].nquads and not done[1].nquads
