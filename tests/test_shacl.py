"""cdskg.validation.native, the native engine, against pySHACL (the reference): the same results, in
the same report graph, on every shape example, on the corpus as the build validates it, on
synthetic observations and on random graphs; shapes it cannot compile are refused.

pySHACL runs with :func:`pyshacl_prepared.prepared_sparql_queries` (rdflib prepares each
``sh:select`` once instead of per focus node: ten times faster, same results, checked by
``test_prepared_queries_do_not_change_pyshacl``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from rdflib.namespace import SH

from cdskg.errors import InputError
from cdskg.validation import data as reading
from cdskg.validation import native as shacl
from cdskg.validation.engine import (
    NATIVE,
    PYSHACL,
    ValidationResult,
    load_shapes,
    native_plan,
    validate_graph,
    validate_store,
)
from conftest import load_benchmark
from pyshacl_prepared import prepared_sparql_queries
from test_validate import _store_from

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "tests" / "shapes").glob("*.ttl"))
SHAPES = load_shapes(ROOT / "shapes")
ID = "https://w3id.org/cdskg/id/"
CDSHAPE = "https://w3id.org/cdskg/shapes#"
SLOW = bool(os.environ.get("CDSKG_SLOW_TESTS"))

Data = rdflib.Graph | Sequence[ox.Triple | ox.Quad]


@pytest.fixture(scope="module", autouse=True)
def _fast_reference() -> Iterator[None]:
    with prepared_sparql_queries():
        yield


def results(result: ValidationResult) -> tuple[bool, list[tuple]]:
    """Conformance and every result of the report graph: focus, source shape, constraint,
    path, value, component, severity (rdflib terms; blank nodes masked)."""
    report = result.report_graph
    fields = (
        SH.focusNode,
        SH.sourceShape,
        SH.sourceConstraint,
        SH.resultPath,
        SH.value,
        SH.sourceConstraintComponent,
        SH.resultSeverity,
    )
    rows = []
    for node in report.objects(None, SH.result):
        row = [report.value(node, p) for p in fields]
        rows.append(tuple("_:b" if isinstance(x, rdflib.BNode) else x for x in row))
    (conforms,) = report.objects(None, SH.conforms)
    assert bool(conforms.value) == result.conforms
    assert len(rows) == len(result.violations)
    return result.conforms, sorted(rows, key=repr)


def assert_same(data: Data) -> tuple[bool, list[tuple]]:
    try:
        reference = results(validate_graph(data, SHAPES, engine=PYSHACL))
    except TypeError:  # rdflib's SPARQL fails on arithmetic with "abc"^^xsd:decimal
        reject()
    native = results(validate_graph(data, SHAPES, engine=NATIVE))
    assert native == reference
    return native


# --- the shape examples ------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_native_equals_pyshacl_on_every_example(path: Path) -> None:
    conforms, found = assert_same(rdflib.Graph().parse(path, format="turtle"))
    assert conforms == path.stem.endswith("-valid")
    assert conforms or found


@pytest.mark.parametrize(
    "name", ["RatioAgreesShape-invalid-01", "UnitHierarchyShape-invalid-01", "ArticleShape-valid"]
)
def test_native_reads_the_triples_the_build_hands_over(name: str) -> None:
    """pyoxigraph quads (and N-Triples text) give what the rdflib graph gives."""
    path = EXAMPLES[0].parent / f"{name}.ttl"
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    text = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads)
    from_graph = results(validate_graph(rdflib.Graph().parse(path), SHAPES, engine=NATIVE))
    assert results(validate_graph(quads, SHAPES, engine=NATIVE)) == from_graph
    assert results(validate_graph(text, SHAPES, engine=NATIVE)) == from_graph
    assert_same(quads)


def test_prepared_queries_do_not_change_pyshacl() -> None:
    path = EXAMPLES[0].parent / "QuoteAtOffsetsShape-invalid-01.ttl"
    data = rdflib.Graph().parse(path)
    prepared = results(validate_graph(data, SHAPES, engine=PYSHACL))
    SPARQLProcessor = rdflib.plugins.sparql.processor.SPARQLProcessor
    patched = SPARQLProcessor.query
    try:
        SPARQLProcessor.query = _ORIGINAL_QUERY  # rdflib as shipped
        assert results(validate_graph(data, SHAPES, engine=PYSHACL)) == prepared
    finally:
        SPARQLProcessor.query = patched


_ORIGINAL_QUERY = rdflib.plugins.sparql.processor.SPARQLProcessor.query


def test_every_sparql_constraint_runs_once_per_batch() -> None:
    plan = native_plan(SHAPES)
    assert plan is not None
    constraints = [c for shape in plan.roots for c in shape.sparql]
    assert len(constraints) == 11


# --- the corpus as the build validates it, and the synthetic benchmark data ---------------


def _build_inputs(corpus: Path) -> list[list[ox.Triple | ox.Quad]]:
    """What ArticleBuilder.build_batch hands validate_graphs for every corpus article."""
    from cdskg.build import gate
    from cdskg.extract.articles import collect, read_article
    from cdskg.settings import project_paths

    seen: list[list[ox.Triple | ox.Quad]] = []
    original = gate.validate_graphs

    def record(graphs, shapes, **kwargs):
        seen.extend(list(data) for data in graphs)
        return original(graphs, shapes, **kwargs)

    builder = gate.ArticleBuilder(project_paths())
    gate.validate_graphs = record
    try:
        sources = [read_article(path) for path in collect([corpus])]
        builder.build_batch(sources, [gate.Stopwatch() for _ in sources])
    finally:
        gate.validate_graphs = original
    return seen


def test_native_equals_pyshacl_on_the_corpus_articles(corpus: Path) -> None:
    inputs = _build_inputs(corpus)
    assert len(inputs) >= 5
    for data in inputs:
        assert_same(data)


def test_native_equals_pyshacl_on_synthetic_observations() -> None:
    """The benchmark's data (one broken ratio per 1000 observations): article by article,
    and ten articles in one batch (pySHACL takes minutes on more)."""
    bench = load_benchmark("bench_validate")
    _, graphs = bench.build_store(1000)
    batch: list[ox.Triple | ox.Quad] = []
    for text in graphs[-10:]:
        article = list(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
        assert_same(article)
        batch.extend(article)
    conforms, found = assert_same(batch)
    assert not conforms
    assert [r[2] for r in found] == [rdflib.URIRef(CDSHAPE + "RatioAgreesShape")]


# --- whole stores ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "RatioAgreesShape-invalid-01",
        "NumeratorDenominatorShape-invalid-01",
        "UnitHierarchyShape-invalid-01",
        "PeriodNotAfterArticleShape-invalid-01",
        "ObservationShape-valid",
    ],
)
def test_store_validation_equals_pyshacl_on_the_union(name: str) -> None:
    store = _store_from(EXAMPLES[0].parent / f"{name}.ttl")
    native = results(validate_store(store, SHAPES, engine=NATIVE))
    assert native == results(validate_store(store, SHAPES, engine=PYSHACL))
    assert native[0] == name.endswith("-valid")


def test_built_store_validates_natively_without_the_reference(built_store: Path) -> None:
    """The build's own literals (timestamps of the build metadata, dates, figures) never
    make store validation fall back to pySHACL, which takes minutes on a store."""
    from cdskg.store.generations import open_read_only

    store, _ = open_read_only(built_store)
    plan = native_plan(SHAPES)
    assert plan is not None
    report = plan.validate_store(store)
    assert report.reference_needed is None
    assert report.conforms, report.results[:5]


@pytest.mark.skipif(not SLOW, reason="pySHACL takes minutes on the built store")
def test_store_validation_equals_pyshacl_on_the_built_corpus(built_store: Path) -> None:
    from cdskg.store.generations import open_read_only

    store, _ = open_read_only(built_store)
    native = results(validate_store(store, SHAPES, engine=NATIVE))
    assert native == results(validate_store(store, SHAPES, engine=PYSHACL))


# --- random graphs -----------------------------------------------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "qb": "http://purl.org/linked-data/cube#",
    "dim": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "measure": "http://purl.org/linked-data/sdmx/2009/measure#",
    "attr": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "time": "http://www.w3.org/2006/time#",
    "schema": "https://schema.org/",
    "dct": "http://purl.org/dc/terms/",
    "unit": "http://qudt.org/vocab/unit/",
    "cur": "http://qudt.org/vocab/currency/",
    "cdskg": "https://w3id.org/cdskg/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "level": "https://w3id.org/cdskg/id/level/",
    "org": "http://www.w3.org/ns/org#",
}


def iri(curie: str) -> ox.NamedNode:
    prefix, local = curie.split(":", 1)
    return ox.NamedNode(NS.get(prefix, ID) + local)


def typed(lexical: str, datatype: str) -> ox.Literal:
    return ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))


NODES = [iri(f"id:n{i}") for i in range(8)]
DECIMALS = ["79.04", "79.40", "79.4", "0", "-1", "150", "100", "5", "5.0", "1e5", "abc", "+3",
            "0.500", ".5", "118286.0", "149647", "-0.0", "3.14159"]  # fmt: skip
INTEGERS = ["0", "1", "-1", "12", "007", "+4", "1.0", "x", "-0", "40", "54"]
DATES = ["2023-01-01", "2023-12-31", "2024-06-30", "2023-13-01", "2023-1-1", "2023-01-01Z",
         "2023-06-30T10:00:00", "2025-01-01"]  # fmt: skip
STRINGS = ["exact", "approximately", "actual", "target", "change", "stated", "carried", "",
           "79,04%", "5", "abc", "vi", "en", "former", "2025", "pre2025", "01", "123",
           "12345", "47/2020/NĐ-CP", "Năm 2023, đạt 79,04%", "đạt 79,04%"]  # fmt: skip
LANGS = ["vi", "en", "VI", "vi-VN", "fr", "en-GB"]

literals = st.one_of(
    st.builds(typed, st.sampled_from(DECIMALS), st.just("decimal")),
    st.builds(typed, st.sampled_from(INTEGERS), st.just("integer")),
    st.builds(typed, st.sampled_from(DATES), st.sampled_from(["date", "dateTime"])),
    st.builds(ox.Literal, st.sampled_from(STRINGS)),
    st.builds(
        lambda s, lang: ox.Literal(s or "x", language=lang),
        st.sampled_from(STRINGS),
        st.sampled_from(LANGS),
    ),
)
CLASSES = [iri(c) for c in (
    "qb:Observation", "cdskg:AdministrativeUnit", "cdskg:Indicator", "cdskg:Pillar",
    "qb:DataSet", "schema:NewsArticle", "oa:SpecificResource", "oa:TextQuoteSelector",
    "oa:TextPositionSelector", "time:Instant", "time:ProperInterval", "cdskg:Ward",
    "cdskg:UrbanDistrict", "cdskg:Province", "org:Post", "org:Organization",
)]  # fmt: skip
IRIS = [iri(c) for c in (
    "unit:PERCENT", "unit:NUM", "cur:VND", "unit:KILOGRAM", "level:ward", "level:province",
    "level:urban-district", "level:hamlet", "id:indicator/plan-achievement-rate",
    "id:indicator/unclassified",
)]  # fmt: skip
objects = st.one_of(literals, st.sampled_from(NODES), st.sampled_from(IRIS + CLASSES))
PREDICATES = [iri(p) for p in (
    "measure:obsValue", "attr:unitMeasure", "cdskg:numerator", "cdskg:denominator",
    "cdskg:statedAs", "cdskg:qualifier", "cdskg:valueRole", "cdskg:periodBasis", "rdfs:label",
    "dim:refArea", "dim:refPeriod", "cdskg:indicator", "cdskg:pillar", "qb:dataSet",
    "prov:wasDerivedFrom", "cdskg:sourceArticle", "cdskg:evidence", "oa:hasSource",
    "oa:hasSelector", "oa:exact", "oa:start", "oa:end", "cdskg:sourceStart", "cdskg:sourceEnd",
    "schema:text", "schema:datePublished", "schema:headline", "dct:source", "dct:language",
    "cdskg:contentHash", "time:inXSDDate", "time:hasBeginning", "time:hasEnd",
    "cdskg:snapshot", "cdskg:level", "cdskg:parentUnit", "skos:broader", "skos:notation",
    "skos:prefLabel", "cdskg:validFrom", "cdskg:validUntil", "cdskg:unitMeasure",
    "org:postIn", "rdfs:subClassOf",
)]  # fmt: skip
RDF_TYPE = iri("rdf:type")

triples = st.one_of(
    st.builds(ox.Triple, st.sampled_from(NODES), st.sampled_from(PREDICATES), objects),
    st.builds(ox.Triple, st.sampled_from(NODES), st.just(RDF_TYPE), st.sampled_from(CLASSES)),
)


@st.composite
def observation_graphs(draw: st.DrawFn) -> list[ox.Triple]:
    """Observations as the mapping makes them (value, unit, ratio, period, evidence with
    selectors in an article, labels, units with levels and parents), every property now
    and then missing, repeated, mistyped or out of range."""
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: str, choices: list, *, missing: float = 0.2) -> None:
        if draw(st.floats(0, 1)) < missing:
            return
        for _ in range(draw(st.sampled_from([1, 1, 1, 1, 2]))):
            out.append(ox.Triple(s, iri(p), draw(st.sampled_from(choices))))

    dec = [typed(x, "decimal") for x in DECIMALS] + [typed("5", "integer"), ox.Literal("5")]
    ints = [typed(x, "integer") for x in INTEGERS] + [typed("3.5", "decimal")]
    dates = [typed(x, "date") for x in DATES] + [typed("2023-06-30T10:00:00", "dateTime")]
    texts = [ox.Literal(x) for x in STRINGS]
    labels = [ox.Literal(x or "x", language=lang) for x in STRINGS[:4] for lang in LANGS]
    article, text_start = iri("id:article"), draw(st.integers(-1, 12))
    out.append(ox.Triple(article, RDF_TYPE, iri("schema:NewsArticle")))
    add(article, "schema:datePublished", dates)
    add(article, "schema:text", [ox.Literal("Năm 2023, đạt 79,04%", language="vi")])
    add(article, "rdfs:label", labels)
    add(article, "dct:language", texts[9:12])
    units = [iri(f"id:unit{i}") for i in range(3)]
    for unit in units:
        add(unit, "rdf:type", CLASSES[1:2] + CLASSES[11:14], missing=0.1)
        add(unit, "cdskg:level", IRIS[4:8], missing=0.5)
        add(unit, "cdskg:snapshot", texts[13:16], missing=0.5)
        add(unit, "cdskg:parentUnit", units, missing=0.5)
        add(unit, "skos:notation", texts[16:19], missing=0.6)
        add(unit, "skos:prefLabel", labels, missing=0.6)
        add(unit, "cdskg:validFrom", dates, missing=0.8)
        add(unit, "cdskg:validUntil", dates, missing=0.8)
    indicators = [iri("id:ind0"), iri("id:ind1"), *IRIS[8:10]]
    for ind in indicators[:2]:
        add(ind, "rdf:type", CLASSES[2:3], missing=0.1)
        add(ind, "cdskg:unitMeasure", IRIS[:4], missing=0.5)
    for i in range(draw(st.integers(1, 4))):
        obs, ev, q, pos, period = (iri(f"id:{k}{i}") for k in ("obs", "ev", "q", "p", "per"))
        out.append(ox.Triple(obs, RDF_TYPE, iri("qb:Observation")))
        add(obs, "measure:obsValue", dec, missing=0.1)
        add(obs, "attr:unitMeasure", IRIS[:4] + texts[:1], missing=0.1)
        add(obs, "cdskg:numerator", dec, missing=0.5)
        add(obs, "cdskg:denominator", dec, missing=0.5)
        add(obs, "cdskg:statedAs", texts + labels[:2], missing=0.3)
        add(obs, "cdskg:valueRole", texts, missing=0.1)
        add(obs, "cdskg:qualifier", texts, missing=0.1)
        add(obs, "cdskg:periodBasis", texts, missing=0.1)
        add(obs, "rdfs:label", labels, missing=0.1)
        add(obs, "cdskg:indicator", indicators, missing=0.1)
        add(obs, "dim:refArea", units, missing=0.1)
        add(obs, "cdskg:sourceArticle", [article, units[0]], missing=0.1)
        add(obs, "prov:wasDerivedFrom", [article], missing=0.1)
        add(obs, "cdskg:evidence", [ev], missing=0.1)
        add(obs, "dim:refPeriod", [period, dates[0]], missing=0.1)
        add(period, "rdf:type", CLASSES[9:11], missing=0.1)
        add(period, "time:inXSDDate", dates, missing=0.5)
        for edge in ("time:hasBeginning", "time:hasEnd"):
            instant = iri(f"id:{edge[5:]}{i}")
            add(period, edge, [instant], missing=0.3)
            add(instant, "rdf:type", CLASSES[9:10], missing=0.1)
            add(instant, "time:inXSDDate", dates, missing=0.1)
        add(ev, "rdf:type", CLASSES[6:7], missing=0.1)
        add(ev, "oa:hasSource", [article], missing=0.1)
        add(ev, "oa:hasSelector", [q, pos], missing=0.1)
        add(ev, "oa:hasSelector", [pos, q], missing=0.1)
        add(ev, "cdskg:sourceStart", ints, missing=0.2)
        add(ev, "cdskg:sourceEnd", ints, missing=0.2)
        add(q, "rdf:type", CLASSES[7:8], missing=0.1)
        add(q, "oa:exact", texts[8:9] + texts[20:], missing=0.1)
        add(pos, "rdf:type", CLASSES[8:9], missing=0.1)
        start = typed(str(text_start + i), "integer")
        add(pos, "oa:start", [start, *ints[:3]], missing=0.1)
        add(pos, "oa:end", [typed(str(text_start + i + 10), "integer"), *ints[:3]], missing=0.1)
    return out


@settings(
    max_examples=400 if SLOW else 40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not SLOW,
)
@given(observation_graphs())
def test_native_equals_pyshacl_on_random_observations(graph: list[ox.Triple]) -> None:
    assert_same(graph)


@settings(
    max_examples=300 if SLOW else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not SLOW,
)
@given(st.lists(triples, min_size=1, max_size=40))
def test_native_equals_pyshacl_on_random_graphs(graph: list[ox.Triple]) -> None:
    assert_same(graph + graph[:3])  # a triple given twice counts once


# --- literal forms: the fast paths agree with rdflib and with Oxigraph's store -------------


@given(st.from_regex(r"\A(0|-?[1-9][0-9]{0,20})\Z"))
def test_integers_kept_by_the_fast_path_are_kept_by_rdflib(lexical: str) -> None:
    assert reading._INT_KEPT(lexical)
    literal = rdflib.Literal(lexical, datatype=rdflib.XSD.integer)
    assert str(literal) == lexical and not literal.ill_typed


@given(st.from_regex(r"\A-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,12})?\Z"))
def test_decimals_kept_by_the_fast_path_are_kept_by_rdflib(lexical: str) -> None:
    literal = rdflib.Literal(lexical, datatype=rdflib.XSD.decimal)
    assert not literal.ill_typed
    if reading._DEC_KEPT(lexical):
        assert str(literal) == lexical
    stored = ox.Store()
    stored.add(ox.Quad(NODES[0], RDF_TYPE, typed(lexical, "decimal")))
    if reading._DEC_STORED(lexical):
        assert next(iter(stored)).object.value == lexical


# --- what the native engine refuses -------------------------------------------------------

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.mark.parametrize(
    ("shape", "feature"),
    [
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:node ex:T .", "sh:node"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .", "sh:closed"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ( ex:p ex:q ) ] .",
         "sh:path that is not a single predicate"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ;"
         " sh:property [ sh:path [ sh:inversePath ex:p ] ] .",
         "sh:path that is not a single predicate"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ;"
         " sh:qualifiedValueShape [ sh:datatype xsd:string ] ; sh:qualifiedMinCount 1 ;"
         " sh:qualifiedValueShapesDisjoint true ] .", "sh:qualifiedValueShapesDisjoint"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ;"
         " sh:disjoint ex:q ] .", "sh:disjoint"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select"
         ' "SELECT $this WHERE { $this ?p $currentShape }" ] .', "$currentShape"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select"
         ' "SELECT $this (1 AS ?failure) WHERE { $this ?p ?o }" ] .', "$failure"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select"
         ' "SELECT ?value WHERE { ?value ?p ?o }" ] .', "does not project $this"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select"
         ' "SELECT $this WHERE { $this ?p ?o " ] .', "cannot parse"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:prefixes ex: ;"
         ' sh:select "SELECT $this WHERE { $this ?p ?o }" ] .', "sh:prefixes"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:nodeKind sh:Thing .", "sh:nodeKind"),
    ],
)  # fmt: skip
def test_unsupported_features_are_refused_naming_shape_and_feature(shape, feature) -> None:
    graph = rdflib.Graph().parse(data=PREFIXES + shape, format="turtle")
    with pytest.raises(shacl.UnsupportedShapes, match="unsupported SHACL feature") as caught:
        shacl.compile_shapes(graph)
    assert feature in str(caught.value)
    assert "CDSKG_SHACL_ENGINE" in str(caught.value)


def test_unsupported_shapes_are_an_input_error_that_names_the_other_engine() -> None:
    """No engine is chosen behind the user's back: shapes the native engine cannot compile
    are an error naming the feature and the setting; pySHACL validates them when chosen."""
    graph = rdflib.Graph().parse(
        data=PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .",
        format="turtle",
    )
    data = rdflib.Graph().parse(data=PREFIXES + "ex:x a ex:C ; ex:p 1 .", format="turtle")
    with pytest.raises(InputError, match=r"sh:closed.*CDSKG_SHACL_ENGINE=pyshacl"):
        validate_graph(data, graph, engine=NATIVE)
    assert not validate_graph(data, graph, engine=PYSHACL).conforms


UNSAFE = (
    PREFIXES
    + """
ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:message "x" ; sh:select '''
    SELECT $this ?value WHERE {
      BIND ($this AS ?value)
      ?value <http://example.org/p> ?o .
      FILTER (?o > 1)
    }''' ] .
"""
)


def test_a_query_using_this_before_binding_it_is_refused() -> None:
    """Unbound, BIND($this AS ?value) binds nothing; pre-bound per focus node in Oxigraph
    it binds the focus node; rdflib (pySHACL) forgets the pre-binding inside BIND and
    reports every ?value: no way to match it here, so such shapes need pySHACL."""
    shapes = rdflib.Graph().parse(data=UNSAFE, format="turtle")
    with pytest.raises(shacl.UnsupportedShapes, match="no triple pattern binds it"):
        shacl.compile_shapes(shapes)
    data = rdflib.Graph().parse(
        data=PREFIXES + "ex:x a ex:C ; ex:p 2 . ex:y a ex:C ; ex:p 0 . ex:z ex:p 5 .",
        format="turtle",
    )
    with pytest.raises(InputError, match="CDSKG_SHACL_ENGINE=pyshacl"):
        validate_graph(data, shapes, engine=NATIVE)


def test_two_lexical_forms_of_one_value_fall_back_to_pyshacl() -> None:
    """ "79.4" and "79.40" are one term in Oxigraph's store: the SPARQL step cannot tell
    which the data said, so the reference engine validates that graph."""
    path = EXAMPLES[0].parent / "RatioAgreesShape-invalid-01.ttl"
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    obs = ox.NamedNode(ID + "obs-1")
    value = ox.NamedNode("http://purl.org/linked-data/sdmx/2009/measure#obsValue")
    quads.append(ox.Quad(obs, value, typed("79.4", "decimal")))
    plan = native_plan(SHAPES)
    assert plan is not None
    assert "several lexical forms" in (plan.validate(quads).reference_needed or "")
    assert_same(quads)


def test_ill_typed_literals_in_sparql_constraints_go_to_pyshacl() -> None:
    """rdflib finds "abc"^^xsd:decimal greater than 79.04; Oxigraph cannot compare them."""
    obs = iri("id:obs0")
    graph = [
        ox.Triple(obs, RDF_TYPE, iri("qb:Observation")),
        ox.Triple(obs, iri("cdskg:numerator"), typed("abc", "decimal")),
        ox.Triple(obs, iri("cdskg:denominator"), typed("79.04", "decimal")),
    ]
    plan = native_plan(SHAPES)
    assert plan is not None
    assert "abc" in (plan.validate(graph).reference_needed or "")
    _, found = assert_same(graph)
    assert CDSHAPE + "NumeratorDenominatorShape" in {str(r[2]) for r in found}
