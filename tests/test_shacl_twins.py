"""cdskg.validation.twins against Oxigraph: every twin gives the rows Oxigraph gives for its
query, on the shape examples, the corpus as the build validates it, synthetic batches and
random graphs full of hostile values; every sh:select in shapes/ has a twin; an edited
query or a value a twin is unsure of runs in Oxigraph, with pySHACL's results still.

A twin here runs for every subject of the data (not only the focus nodes of its shape),
and its values are compared in the form Oxigraph's store gives them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.namespace import SH

from cdskg.validation import native as shacl
from cdskg.validation import twins as shacl_twins
from cdskg.validation.engine import NATIVE, load_shapes, native_plan, validate_graph
from cdskg.validation.twins import Unsure
from test_shacl import (
    EXAMPLES,
    NODES,
    RDF_TYPE,
    SHAPES,
    SLOW,
    _bench,
    _build_inputs,
    assert_same,
    iri,
    observation_graphs,
    results,
    triples,
    typed,
)

ROOT = Path(__file__).resolve().parents[1]
PLAN = native_plan(SHAPES)
assert PLAN is not None
CONSTRAINTS = [c for shape in PLAN.roots for c in shape.sparql]
XSD = "http://www.w3.org/2001/XMLSchema#"


def _name(node: object) -> str:
    return str(node).rsplit("#", 1)[-1]


def test_every_sh_select_in_shapes_has_its_twin() -> None:
    graph = rdflib.Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(path)
    selects = {_name(s): str(o) for s, o in graph.subject_objects(SH.select)}
    assert len(selects) == 11
    twinned = {name: fp for fp, (name, _) in shacl_twins.TWINS.items()}
    for name, text in selects.items():
        assert twinned.get(name) == shacl_twins.fingerprint(text), (
            f"the sh:select of {name} changed (or is new): update its twin in "
            "src/cdskg/shacl_twins.py to evaluate the new query, and its fingerprint to "
            f"{shacl_twins.fingerprint(text)!r}; until then it runs in Oxigraph"
        )
    assert all(c.twin is not None for c in CONSTRAINTS) and len(CONSTRAINTS) == 11


# --- twin rows = Oxigraph rows ----------------------------------------------------------------


def compare_twins(data_triples: Sequence[ox.Triple | ox.Quad]) -> dict[str, str]:
    """Run every twin and its query in Oxigraph on the same triples (each once, as the
    twin's index has them); assert equal rows. Returns the twins that were unsure."""
    data = shacl.Data.read(data_triples)
    store = ox.Store()
    store.extend(data.triples())
    stored = shacl._Canonical(data)._store_form  # literal → the form the store gives back
    unsure: dict[str, str] = {}
    for c in CONSTRAINTS:
        assert c.twin is not None
        expected = {
            (row["this"], row["value"])
            for row in store.query(c.query, use_default_graph_as_union=True)
        }
        try:
            got = {
                (s, None if v is None else stored.get(v, v))  # type: ignore[call-overload]
                for s in list(data.index)
                for v in c.twin(s, data)
            }
        except Unsure as exc:
            unsure[_name(c.node)] = str(exc)
            continue
        assert got == expected, (
            f"twin of {_name(c.node)} disagrees with Oxigraph: "
            f"only twin {sorted(map(str, got - expected))}, "
            f"only Oxigraph {sorted(map(str, expected - got))}"
        )
    return unsure


def _disputed(data_triples: Sequence[ox.Triple | ox.Quad]) -> list:
    return shacl.Data.read(data_triples, PLAN.matched).disputed


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_twins_equal_oxigraph_on_every_example(path: Path) -> None:
    data = shacl.triples_of(rdflib.Graph().parse(path, format="turtle"))
    unsure = compare_twins(data)
    assert not unsure or _disputed(data), unsure


def test_twins_equal_oxigraph_on_the_corpus_articles(corpus: Path) -> None:
    inputs = _build_inputs(corpus)
    assert len(inputs) >= 5
    for data in inputs:
        assert compare_twins(data) == {}
    assert compare_twins([t for data in inputs for t in data]) == {}


def test_twins_equal_oxigraph_on_synthetic_batches() -> None:
    bench = _bench()
    store, graphs = bench.build_store(1000)
    for text in graphs[:20]:
        assert compare_twins(list(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))) == {}
    assert compare_twins(list(store.quads_for_pattern(None, None, None))) == {}


@settings(
    max_examples=300 if SLOW else 40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not SLOW,
)
@given(observation_graphs())
def test_twins_equal_oxigraph_on_random_observations(graph: list[ox.Triple]) -> None:
    compare_twins(graph)


@settings(max_examples=300 if SLOW else 40, deadline=None, derandomize=not SLOW)
@given(st.lists(triples, min_size=1, max_size=40))
def test_twins_equal_oxigraph_on_random_graphs(graph: list[ox.Triple]) -> None:
    compare_twins(graph)


# hostile values: negative, huge (beyond i64 and Oxigraph's decimals), many digits, doubles,
# strings and dates where numbers are expected, offsets out of range, non-BMP text

_sign = st.sampled_from(["", "", "-"])
integer_forms = st.one_of(
    st.integers(-200, 200).map(str),
    st.integers(-(2**64), 2**64).map(str),
    st.sampled_from(["9223372036854775807", "-9223372036854775808", "9223372036854775808"]),
)
decimal_forms = st.builds(
    lambda sign, whole, fraction: sign + str(whole) + (f".{fraction}" if fraction else ""),
    _sign,
    st.one_of(st.integers(0, 200), st.integers(0, 10**22)),
    st.one_of(st.none(), st.text("0123456789", min_size=1, max_size=24), st.just("50")),
)
small_numbers = st.one_of(
    st.builds(typed, st.integers(-5, 150).map(str), st.just("integer")),
    st.builds(
        typed,
        st.builds(lambda n, k: f"{n / 10**k:.{k}f}", st.integers(-500, 20000), st.integers(0, 4)),
        st.just("decimal"),
    ),
)
numbers = st.one_of(
    small_numbers,
    small_numbers,
    small_numbers,
    st.builds(typed, integer_forms, st.just("integer")),
    st.builds(typed, decimal_forms, st.just("decimal")),
    st.builds(
        typed, st.sampled_from(["1e5", "-0.0", "NaN", "INF", "79.04", "1.5E2"]), st.just("double")
    ),
    st.builds(typed, st.sampled_from(["+3", ".5", "5.", "007"]), st.just("decimal")),
    st.sampled_from([ox.Literal("5"), ox.Literal("abc"), ox.Literal("5", language="vi")]),
    st.sampled_from([typed("2023-01-01", "date"), typed("true", "boolean"), iri("id:n0")]),
)
stated_forms = st.one_of(
    st.sampled_from(["79,04%", "1,5", "12,345", ",", "80%", "a,\n1", "1,2x\n", "", "3,"]),
    st.text("0123456789,.%x\n ", max_size=8),
)
stated = st.one_of(
    st.builds(ox.Literal, stated_forms),
    st.builds(lambda s: ox.Literal(s, language="vi"), stated_forms),
    numbers,
)
dates = st.one_of(
    st.dates().map(lambda d: typed(d.isoformat(), "date")),
    st.sampled_from(
        [
            typed("2023-06-30T10:00:00", "dateTime"),
            typed("2023-01-01T24:00:00", "dateTime"),
            typed("0000-01-01", "date"),
            typed("2023-02-30", "date"),
            typed("2023-01-01Z", "date"),
            ox.Literal("2023-01-01"),
            ox.Literal("2023-01-01", language="vi"),
            iri("id:n1"),
            typed("true", "boolean"),
            typed("2023", "integer"),
        ]
    ),
)
TEXTS = ["Năm 2023, đạt 79,04%", "a😀b😀c😀d😀e😀f", "", "x" * 30]


@st.composite
def hostile_graphs(draw: st.DrawFn) -> list[ox.Triple]:
    """Observations, evidence, periods and administrative units whose every SPARQL-read
    value may be hostile, and whose optional triples may be missing or repeated."""
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode | ox.BlankNode, p: str, values: st.SearchStrategy) -> None:
        for _ in range(draw(st.sampled_from([1, 1, 1, 0, 1, 2]))):  # hypothesis favours the first
            out.append(ox.Triple(s, iri(p), draw(values)))

    bnode = ox.BlankNode("hostile")
    article = iri("id:article")
    add(article, "schema:text", st.one_of(
        st.sampled_from(TEXTS).map(ox.Literal),
        st.sampled_from(TEXTS).map(lambda t: ox.Literal(t, language="vi")),
        numbers))  # fmt: skip
    add(article, "schema:datePublished", dates)
    units = [iri("id:unit0"), iri("id:unit1"), bnode]
    levels = st.sampled_from([iri(f"level:{x}") for x in (
        "province", "central-city", "district", "town", "ward", "commune", "hamlet",
        "special-zone", "other")] + [ox.Literal("ward"), bnode])  # fmt: skip
    classes = st.sampled_from([iri(f"cdskg:{x}") for x in (
        "Ward", "Province", "CentralCity", "UrbanDistrict", "Commune", "SpecialZone",
        "AdministrativeUnit")]
        + [ox.Literal("Ward"), bnode, ox.NamedNode("urn:x:ontology#Ĳ")])  # fmt: skip
    snapshots = st.sampled_from(
        [ox.Literal(x) for x in ("2025", "pre2025", "former")]
        + [ox.Literal("former", language="en"), typed("2025", "integer"), iri("id:n2")]
    )
    notations = st.one_of(
        st.text("0123456789", max_size=6).map(ox.Literal),
        st.builds(typed, integer_forms, st.just("integer")),
        st.sampled_from([bnode, typed("1.50", "decimal"), ox.Literal("😀😀")]),
    )
    for unit in units:
        add(unit, "rdf:type", classes)
        add(unit, "cdskg:level", levels)
        add(unit, "cdskg:snapshot", snapshots)
        add(unit, "cdskg:parentUnit", st.sampled_from(units))
        add(unit, "skos:notation", notations)
    indicators = st.sampled_from(
        [iri("id:ind0"), iri("id:indicator/unclassified"),
         iri("id:indicator/plan-achievement-rate"), ox.Literal("ind")])  # fmt: skip
    obs_units = st.sampled_from(
        [iri("unit:PERCENT"), iri("unit:NUM"), iri("cur:VND"), ox.Literal("PERCENT"), bnode]
    )
    add(iri("id:ind0"), "cdskg:unitMeasure", obs_units)
    roles = st.sampled_from(
        [ox.Literal(x) for x in ("change", "target", "actual")]
        + [ox.Literal("change", language="en")]
    )
    for i in range(draw(st.integers(1, 3))):
        obs, q, pos, period = (iri(f"id:{k}{i}") for k in ("obs", "q", "p", "per"))
        add(obs, "measure:obsValue", numbers)
        add(obs, "attr:unitMeasure", obs_units)
        add(obs, "cdskg:numerator", numbers)
        add(obs, "cdskg:denominator", numbers)
        add(obs, "cdskg:statedAs", stated)
        add(obs, "cdskg:valueRole", roles)
        add(obs, "cdskg:indicator", indicators)
        add(obs, "cdskg:sourceArticle", st.just(article))
        add(obs, "dim:refPeriod", st.sampled_from([period, bnode]))
        add(period, "time:inXSDDate", dates)
        add(period, "time:hasBeginning", st.sampled_from([iri(f"id:b{i}"), bnode]))
        add(period, "time:hasEnd", st.sampled_from([iri(f"id:e{i}"), bnode]))
        add(iri(f"id:b{i}"), "time:inXSDDate", dates)
        add(iri(f"id:e{i}"), "time:inXSDDate", dates)
        add(bnode, "time:inXSDDate", dates)
        # evidence: the observation is its own evidence node here (any subject will do)
        add(obs, "oa:hasSource", st.sampled_from([article, article, article, bnode]))
        add(obs, "oa:hasSelector", st.sampled_from([q, q, q, pos]))
        add(obs, "oa:hasSelector", st.sampled_from([pos, pos, pos, q]))
        quote_or_position = [iri("oa:TextQuoteSelector")] * 3 + [iri("oa:TextPositionSelector")]
        add(q, "rdf:type", st.sampled_from(quote_or_position))
        add(pos, "rdf:type", st.just(iri("oa:TextPositionSelector")))
        add(q, "oa:exact", st.one_of(
            st.sampled_from(["2023", "đạt", "😀b", "b😀c", "", "a"]).map(ox.Literal),
            st.just(ox.Literal("đạt", language="vi")), numbers))  # fmt: skip
        offsets = st.one_of(
            st.integers(-3, 35).map(lambda n: typed(str(n), "integer")),
            st.integers(0, 25).map(lambda n: typed(str(n), "integer")),
            numbers,
        )
        add(pos, "oa:start", offsets)
        add(pos, "oa:end", offsets)
    return out


@settings(
    max_examples=1500 if SLOW else 150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not SLOW,
)
@given(hostile_graphs())
def test_twins_equal_oxigraph_on_hostile_values(graph: list[ox.Triple]) -> None:
    compare_twins(graph)


@pytest.mark.parametrize(
    ("expression", "numbers"),
    [
        # decimal arithmetic at Oxigraph's limits: errors and truncation as it has them
        ("100 * ?n / ?d", ("100000000000000", "1.000001")),
        ("100 * ?n / ?d", ("1", "3")),
        ("100 * ?n / ?d", ("170141183460469231731.687303715884105727", "7")),
        ("100 * ?n / ?d", ("92233720368547758", "1")),
        ("100 * ?n / ?d", ("-5.5", "0.000000000000000001")),
        ("100 * ?n / ?d", ("0", "2.5")),
    ],
)
def test_decimal_arithmetic_matches_oxigraph(expression: str, numbers: tuple[str, str]) -> None:
    n, d = (shacl_twins.value(_number(x)) for x in numbers)
    hundred_n = shacl_twins._times_100(n)
    mine = None if hundred_n is None else shacl_twins._divide(hundred_n, d)
    query = (
        f"SELECT ({expression} AS ?x) WHERE {{ VALUES (?n ?d) "
        f"{{ ({_number(numbers[0])} {_number(numbers[1])}) }} }}"
    )
    (row,) = ox.Store().query(query)
    theirs = row["x"]
    if theirs is None:
        assert mine is None
    else:
        assert mine == shacl_twins.value(theirs)[1]


def _number(text: str) -> ox.Literal:
    return typed(text, "decimal" if "." in text else "integer")


# --- the plan uses the twins, and Oxigraph where it must -----------------------------------------


def test_batches_of_the_build_need_no_oxigraph(corpus: Path) -> None:
    """No scratch store: every constraint the corpus and the benchmark meet has a twin
    that is sure."""
    bench = _bench()
    _, graphs = bench.build_store(100)
    batches = _build_inputs(corpus) + [
        list(ox.parse(g, format=ox.RdfFormat.N_TRIPLES)) for g in graphs
    ]
    for batch in batches:
        report = PLAN.validate(batch)
        assert report.in_oxigraph == [] and report.reference_needed is None


def test_an_edited_query_runs_in_oxigraph() -> None:
    """A shape whose sh:select differs from its twin's (here 100 became 99) has no twin:
    Oxigraph runs it, with pySHACL's results."""
    text = (ROOT / "shapes" / "observation.ttl").read_text()
    assert "?value > 100)" in text
    shapes = load_shapes(ROOT / "shapes")
    for s, o in list(shapes.subject_objects(SH.select)):
        if "?value > 100" in str(o):
            shapes.set((s, SH.select, rdflib.Literal(str(o).replace("> 100", "> 99"))))
    plan = shacl.compile_shapes(shapes)
    edited = [c for shape in plan.roots for c in shape.sparql if c.twin is None]
    assert [_name(c.node) for c in edited] == ["PercentRangeShape"]
    data = [
        ox.Triple(NODES[0], RDF_TYPE, iri("qb:Observation")),
        ox.Triple(NODES[0], iri("attr:unitMeasure"), iri("unit:PERCENT")),
        ox.Triple(NODES[0], iri("measure:obsValue"), typed("99.5", "decimal")),
    ]
    report = plan.validate(data)
    assert [_name(n) for n in report.in_oxigraph] == ["PercentRangeShape"]
    assert "PercentRangeShape" in [_name(r.constraint) for r in report.results]
    assert "PercentRangeShape" not in [_name(r.constraint) for r in PLAN.validate(data).results]
    reference = results(validate_graph(data, shapes, engine="pyshacl"))
    assert results(validate_graph(data, shapes, engine=NATIVE)) == reference


def test_an_unsure_twin_runs_in_oxigraph() -> None:
    """LCASE of a non-ASCII class name: Rust's and Python's case mappings might differ,
    so the twin does not guess and Oxigraph runs the query; results as pySHACL's."""
    unit = iri("id:unit0")
    graph = [
        ox.Triple(unit, RDF_TYPE, iri("cdskg:AdministrativeUnit")),
        ox.Triple(unit, RDF_TYPE, ox.NamedNode("urn:x:ontology#Ĳssel")),
        ox.Triple(unit, iri("cdskg:level"), iri("level:ĳssel")),
    ]
    report = PLAN.validate(graph)
    assert report.reference_needed is None
    assert [_name(n) for n in report.in_oxigraph] == ["UnitLevelClassShape"]
    assert_same(graph)


def test_numbers_oxigraph_cannot_hold_go_to_pyshacl() -> None:
    """An integer beyond i64 (or a decimal finer than 18 digits): Oxigraph cannot compare
    it, rdflib can; the batch goes to pySHACL (found by the twins' tests)."""
    for numerator in (typed("99999999999999999999", "integer"), typed("0." + "1" * 19, "decimal")):
        graph = [
            ox.Triple(NODES[0], RDF_TYPE, iri("qb:Observation")),
            ox.Triple(NODES[0], iri("cdskg:numerator"), numerator),
            ox.Triple(NODES[0], iri("cdskg:denominator"), typed("0", "integer")),
        ]
        assert numerator.value in (PLAN.validate(graph).reference_needed or "")
        assert_same(graph)


@st.composite
def quotes_at_offsets(draw: st.DrawFn) -> list[ox.Triple]:
    """Evidence whose every triple is there: offsets in and out of range, texts with
    characters beyond the BMP (SUBSTR counts code points), quotes that match or not."""
    article, q, pos = iri("id:article"), iri("id:q"), iri("id:p")
    text = draw(st.sampled_from(TEXTS))
    start = draw(st.integers(-2, 32))
    end = draw(st.integers(-2, 34))
    exact = text[max(start, 0) : max(end, 0)] if draw(st.booleans()) else draw(st.text(max_size=3))
    offset = st.one_of(st.just(None), st.just(None), small_numbers, st.just(ox.Literal("3")))
    exact_literal = draw(st.sampled_from([ox.Literal(exact), ox.Literal(exact, language="vi")]))
    text_literal = draw(st.sampled_from([ox.Literal(text), ox.Literal(text, language="vi")]))
    return [
        ox.Triple(NODES[0], iri("oa:hasSource"), article),
        ox.Triple(NODES[0], iri("oa:hasSelector"), q),
        ox.Triple(NODES[0], iri("oa:hasSelector"), pos),
        ox.Triple(q, RDF_TYPE, iri("oa:TextQuoteSelector")),
        ox.Triple(pos, RDF_TYPE, iri("oa:TextPositionSelector")),
        ox.Triple(q, iri("oa:exact"), exact_literal),
        ox.Triple(pos, iri("oa:start"), draw(offset) or typed(str(start), "integer")),
        ox.Triple(pos, iri("oa:end"), draw(offset) or typed(str(end), "integer")),
        ox.Triple(article, iri("schema:text"), text_literal),
    ]


@settings(max_examples=1000 if SLOW else 100, deadline=None, derandomize=not SLOW)
@given(quotes_at_offsets())
def test_quote_twin_equals_oxigraph_on_offsets(graph: list[ox.Triple]) -> None:
    compare_twins(graph)
