"""The W3C RDF Data Cube integrity constraints on the five articles' built graph, the roll-up
of a 2023 district fact to today's province, and that every term the data uses is declared.

The constraints are the SPARQL queries of the Recommendation (section 11.1,
https://www.w3.org/TR/vocab-data-cube/#wf-rules), run over the union of the store's graphs
(the article graphs and the reference graph with the ontology), with two adaptations that
modelling.md explains: IC-17's HAVING uses the aggregate itself, not the SELECT alias, which
Oxigraph never matches; and IC-12 is run both as written (quadratic, fine at a hundred
observations) and as a GROUP BY over the dimensions of the structure, which scales. The data
is already in the normalised form the constraints expect: every component states
qb:componentProperty and every observation its qb:dataSet.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from cdskg.rdf.namespaces import sparql_prologue
from cdskg.store.generations import open_read_only

REPO = Path(__file__).resolve().parents[1]
VOCAB = REPO.parent / "shared" / "vocab"
CDSKG = "https://w3id.org/cdskg/ontology#"
BINH_THUY_2023 = "https://w3id.org/cdskg/id/unit/pre2025/district/918"
CAN_THO_TODAY = "https://w3id.org/cdskg/id/unit/2025/province/92"

# Every constraint is an ASK that is true when the data violates it.
CONSTRAINTS: dict[str, str] = {
    "IC-1 unique data set": """
        ASK { { ?obs a qb:Observation . FILTER NOT EXISTS { ?obs qb:dataSet ?dataset1 . } }
              UNION { ?obs a qb:Observation ; qb:dataSet ?dataset1, ?dataset2 .
                      FILTER (?dataset1 != ?dataset2) } }""",
    "IC-2 unique DSD": """
        ASK { { ?dataset a qb:DataSet . FILTER NOT EXISTS { ?dataset qb:structure ?dsd . } }
              UNION { ?dataset a qb:DataSet ; qb:structure ?dsd1, ?dsd2 .
                      FILTER (?dsd1 != ?dsd2) } }""",
    "IC-3 DSD includes measure": """
        ASK { ?dsd a qb:DataStructureDefinition .
              FILTER NOT EXISTS { ?dsd qb:component [ qb:componentProperty
                                                      [ a qb:MeasureProperty ] ] } }""",
    "IC-4 dimensions have range": """
        ASK { ?dim a qb:DimensionProperty . FILTER NOT EXISTS { ?dim rdfs:range [] } }""",
    "IC-5 concept dimensions have code lists": """
        ASK { ?dim a qb:DimensionProperty ; rdfs:range skos:Concept .
              FILTER NOT EXISTS { ?dim qb:codeList [] } }""",
    "IC-6 only attributes may be optional": """
        ASK { ?dsd qb:component ?componentSpec .
              ?componentSpec qb:componentRequired "false"^^xsd:boolean ;
                             qb:componentProperty ?component .
              FILTER NOT EXISTS { ?component a qb:AttributeProperty } }""",
    "IC-7 slice keys must be declared": """
        ASK { ?sliceKey a qb:SliceKey .
              FILTER NOT EXISTS { [ a qb:DataStructureDefinition ] qb:sliceKey ?sliceKey } }""",
    "IC-8 slice keys consistent with DSD": """
        ASK { ?slicekey a qb:SliceKey ; qb:componentProperty ?prop .
              ?dsd qb:sliceKey ?slicekey .
              FILTER NOT EXISTS { ?dsd qb:component [ qb:componentProperty ?prop ] } }""",
    "IC-9 unique slice structure": """
        ASK { { ?slice a qb:Slice . FILTER NOT EXISTS { ?slice qb:sliceStructure ?key } }
              UNION { ?slice a qb:Slice ; qb:sliceStructure ?key1, ?key2 .
                      FILTER (?key1 != ?key2) } }""",
    "IC-10 slice dimensions complete": """
        ASK { ?slice qb:sliceStructure [ qb:componentProperty ?dim ] .
              FILTER NOT EXISTS { ?slice ?dim [] } }""",
    "IC-11 all dimensions required": """
        ASK { ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
              ?dim a qb:DimensionProperty .
              FILTER NOT EXISTS { ?obs ?dim [] } }""",
    "IC-12 no duplicate observations (as in the Recommendation)": """
        ASK { FILTER( ?allEqual )
              { SELECT (MIN(?equal) AS ?allEqual) WHERE {
                  ?obs1 qb:dataSet ?dataset . ?obs2 qb:dataSet ?dataset .
                  FILTER (?obs1 != ?obs2)
                  ?dataset qb:structure/qb:component/qb:componentProperty ?dim .
                  ?dim a qb:DimensionProperty .
                  ?obs1 ?dim ?value1 . ?obs2 ?dim ?value2 .
                  BIND( ?value1 = ?value2 AS ?equal)
                } GROUP BY ?obs1 ?obs2 } }""",
    "IC-13 required attributes": """
        ASK { ?obs qb:dataSet/qb:structure/qb:component ?component .
              ?component qb:componentRequired "true"^^xsd:boolean ;
                         qb:componentProperty ?attr .
              FILTER NOT EXISTS { ?obs ?attr [] } }""",
    "IC-14 all measures present": """
        ASK { ?obs qb:dataSet/qb:structure ?dsd .
              FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty qb:measureType }
              ?dsd qb:component/qb:componentProperty ?measure .
              ?measure a qb:MeasureProperty .
              FILTER NOT EXISTS { ?obs ?measure [] } }""",
    "IC-15 measure dimension consistent": """
        ASK { ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure .
              ?dsd qb:component/qb:componentProperty qb:measureType .
              FILTER NOT EXISTS { ?obs ?measure [] } }""",
    "IC-16 single measure on measure dimension observation": """
        ASK { ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure ; ?omeasure [] .
              ?dsd qb:component/qb:componentProperty qb:measureType ;
                   qb:component/qb:componentProperty ?omeasure .
              ?omeasure a qb:MeasureProperty .
              FILTER (?omeasure != ?measure) }""",
    # adapted: HAVING on the aggregate, not on the alias ?count (see modelling.md)
    "IC-17 all measures present in measures dimension cube": """
        ASK { { SELECT ?numMeasures (COUNT(?obs2) AS ?count) WHERE {
                  { SELECT ?dsd (COUNT(?m) AS ?numMeasures) WHERE {
                      ?dsd qb:component/qb:componentProperty ?m .
                      ?m a qb:MeasureProperty . } GROUP BY ?dsd }
                  ?obs1 qb:dataSet/qb:structure ?dsd ; qb:dataSet ?dataset ;
                        qb:measureType ?m1 .
                  ?obs2 qb:dataSet ?dataset ; qb:measureType ?m2 .
                  FILTER NOT EXISTS {
                    ?dsd qb:component/qb:componentProperty ?dim .
                    FILTER (?dim != qb:measureType)
                    ?dim a qb:DimensionProperty .
                    ?obs1 ?dim ?v1 . ?obs2 ?dim ?v2 . FILTER (?v1 != ?v2) }
                } GROUP BY ?obs1 ?numMeasures
                  HAVING (COUNT(?obs2) != ?numMeasures) } }""",
    "IC-18 consistent data set links": """
        ASK { ?dataset qb:slice ?slice . ?slice qb:observation ?obs .
              FILTER NOT EXISTS { ?obs qb:dataSet ?dataset . } }""",
    "IC-19 codes from code list (concept scheme)": """
        ASK { ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
              ?dim a qb:DimensionProperty ; qb:codeList ?list .
              ?list a skos:ConceptScheme .
              ?obs ?dim ?v .
              FILTER NOT EXISTS { ?v a skos:Concept ; skos:inScheme ?list } }""",
    "IC-19 codes from code list (collection)": """
        ASK { ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
              ?dim a qb:DimensionProperty ; qb:codeList ?list .
              ?list a skos:Collection .
              ?obs ?dim ?v .
              FILTER NOT EXISTS { ?v a skos:Concept . ?list skos:member+ ?v } }""",
    # IC-20 and IC-21 are templates instantiated per qb:HierarchicalCodeList (its
    # qb:parentChildProperty); the structure uses none, so they hold vacuously, which
    # this asserts.
    "IC-20/21 no hierarchical code list to instantiate them for": """
        ASK { ?list a qb:HierarchicalCodeList }""",
}

ROLL_UP = """
    SELECT DISTINCT ?obs ?area ?today WHERE {
      ?obs a qb:Observation ;
           sdmx-dimension:refArea ?area ;
           sdmx-dimension:refPeriod ?period .
      { ?period time:inXSDDate ?day } UNION { ?period time:hasBeginning/time:inXSDDate ?day }
      FILTER (YEAR(?day) = 2023)
      ?area (skos:broader|dcterms:isReplacedBy)* ?today .
      ?today cdskg:snapshot "2025" ; cdskg:level ?level .
      FILTER (?level IN (<https://w3id.org/cdskg/id/level/province>,
                         <https://w3id.org/cdskg/id/level/central-city>))
    }"""

# Namespaces of reused vocabularies: terms in them are checked against the vocabulary file
# where /work/shared/vocab (or pySHACL's schema.org) has one, by namespace otherwise.
VOCAB_FILES = {
    "http://purl.org/linked-data/cube#": "qb-cube.ttl",
    "http://purl.org/linked-data/sdmx/2009/dimension#": "sdmx-dimension.ttl",
    "http://purl.org/linked-data/sdmx/2009/measure#": "sdmx-measure.ttl",
    "http://purl.org/linked-data/sdmx/2009/attribute#": "sdmx-attribute.ttl",
    "http://www.w3.org/ns/prov#": "prov-o.ttl",
    "http://www.w3.org/ns/org#": "org.ttl",
    "http://www.w3.org/ns/oa#": "oa.ttl",
    "http://www.w3.org/2006/time#": "time.ttl",
}
BY_NAMESPACE = (
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2004/02/skos/core#",
    "http://data.europa.eu/eli/ontology#",
    "http://xmlns.com/foaf/0.1/",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
)
SCHEMA = "https://schema.org/"


@pytest.fixture(scope="module")
def store(built_store: Path) -> ox.Store:
    return open_read_only(built_store)[0]


def ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(sparql_prologue() + query, use_default_graph_as_union=True))


def select(store: ox.Store, query: str) -> list:
    return list(store.query(sparql_prologue() + query, use_default_graph_as_union=True))


def test_the_graph_has_observations(store: ox.Store) -> None:
    assert ask(store, "ASK { ?o a qb:Observation ; qb:dataSet/qb:structure cdskg:dsd }")


@pytest.mark.parametrize("name", list(CONSTRAINTS))
def test_integrity_constraint(store: ox.Store, name: str) -> None:
    assert not ask(store, CONSTRAINTS[name]), f"{name} is violated"


def _dimensions(store: ox.Store) -> list[str]:
    rows = select(
        store,
        """SELECT DISTINCT ?dim WHERE { ?ds a qb:DataSet ;
             qb:structure/qb:component/qb:componentProperty ?dim .
             ?dim a qb:DimensionProperty } ORDER BY ?dim""",
    )
    return [row["dim"].value for row in rows]


def test_ic12_by_group_by_over_the_dimensions(store: ox.Store) -> None:
    """IC-12 as a GROUP BY over the structure's dimensions (linear; modelling.md)."""
    dims = _dimensions(store)
    assert f"{CDSKG}breakdown" in dims and f"{CDSKG}statementIndex" in dims
    variables = " ".join(f"?d{i}" for i in range(len(dims)))
    patterns = " ".join(f"?obs <{dim}> ?d{i} ." for i, dim in enumerate(dims))
    rows = select(
        store,
        f"""SELECT {variables} (COUNT(DISTINCT ?obs) AS ?n) WHERE {{
              ?obs a qb:Observation . {patterns} }}
            GROUP BY {variables} HAVING (COUNT(DISTINCT ?obs) > 1)""",
    )
    assert not rows, [[str(v) for v in row] for row in rows]


def test_every_observation_has_one_breakdown_and_statement_index(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?obs (COUNT(DISTINCT ?b) AS ?nb) (COUNT(DISTINCT ?i) AS ?ni) WHERE {
             ?obs a qb:Observation .
             OPTIONAL { ?obs cdskg:breakdown ?b } OPTIONAL { ?obs cdskg:statementIndex ?i }
           } GROUP BY ?obs""",
    )
    assert rows
    bad = [r["obs"].value for r in rows if int(r["nb"].value) != 1 or int(r["ni"].value) != 1]
    assert not bad, bad


def test_repeated_figures_are_one_observation_with_additional_evidence(store: ox.Store) -> None:
    """Bến Cát's "21 chỉ tiêu" is stated twice in one article: one observation, two passages."""
    rows = select(
        store,
        """SELECT ?obs ?extra WHERE {
             ?obs cdskg:indicator <https://w3id.org/cdskg/id/indicator/targets-completed> ;
                  sdmx-dimension:refArea <https://w3id.org/cdskg/id/unit/pre2025/district/721> ;
                  cdskg:evidence ?first ; cdskg:additionalEvidence ?extra .
             ?extra a oa:SpecificResource ; oa:hasSource ?article .
             FILTER (?extra != ?first) }""",
    )
    assert len({r["obs"].value for r in rows}) == 1, rows


def test_a_2023_binh_thuy_fact_rolls_up_to_todays_can_tho(store: ox.Store) -> None:
    """A 2023 figure stays on quận Bình Thủy as it was then; following skos:broader and
    dcterms:isReplacedBy reaches today's (2025) Cần Thơ, and no other province."""
    rows = list(
        store.query(
            sparql_prologue() + ROLL_UP,
            use_default_graph_as_union=True,
            substitutions={ox.Variable("area"): ox.NamedNode(BINH_THUY_2023)},
        )
    )
    assert rows, "no 2023 observation of quận Bình Thủy"
    assert {r["today"].value for r in rows} == {CAN_THO_TODAY}


def test_every_2023_fact_rolls_up_to_exactly_one_province_of_today(store: ox.Store) -> None:
    per_obs: dict[str, set[str]] = {}
    for r in select(store, ROLL_UP):
        per_obs.setdefault(r["obs"].value, set()).add(r["today"].value)
    assert per_obs
    assert all(len(v) == 1 for v in per_obs.values()), per_obs


@pytest.fixture(scope="module")
def declared() -> set[str]:
    g = rdflib.Graph()
    for path in sorted((REPO / "ontology").glob("*.ttl")):
        g.parse(path, format="turtle")
    for name in VOCAB_FILES.values():
        if (VOCAB / name).is_file():
            g.parse(VOCAB / name, format="turtle")
    terms = {str(s) for s in g.subjects() if isinstance(s, rdflib.URIRef)}
    schema_ttl = Path(pytest.importorskip("pyshacl").__file__).parent / "assets" / "schema.ttl"
    if schema_ttl.is_file():
        schema = rdflib.Graph().parse(schema_ttl, format="turtle")
        # the SHACL rendering of schema.org declares classes as subjects and properties
        # as the sh:path of the shapes of their domains
        named = {*schema.subjects(), *schema.objects(None, rdflib.SH.path)}
        terms |= {
            SCHEMA + str(t)[len("http://schema.org/") :]
            for t in named
            if str(t).startswith("http://schema.org/")
        }
    return terms


def test_every_term_the_data_uses_is_declared(store: ox.Store, declared: set[str]) -> None:
    """Predicates and rdf:type objects of the article graphs are declared in the ontology or
    in a reused vocabulary (checked in its file where we have one)."""
    rows = select(
        store,
        """SELECT DISTINCT ?term WHERE {
             ?article a schema:NewsArticle .
             GRAPH ?article { { ?s ?term ?o } UNION { ?s a ?term } } }""",
    )
    used = {r["term"].value for r in rows}
    assert f"{CDSKG}statementIndex" in used and "http://www.w3.org/ns/org#holds" in used
    checked = set(VOCAB_FILES) | {CDSKG, SCHEMA}
    problems = []
    for term in sorted(used):
        if any(term.startswith(ns) for ns in checked):
            has_file = term.startswith(CDSKG) or (
                (VOCAB / VOCAB_FILES.get(_namespace(term), "-")).is_file()
                or term.startswith(SCHEMA)
            )
            if has_file and term not in declared:
                problems.append(f"{term}: not declared")
        elif not term.startswith(BY_NAMESPACE):
            problems.append(f"{term}: in no known vocabulary")
    assert not problems, "\n".join(problems)


def _namespace(term: str) -> str:
    return next((ns for ns in VOCAB_FILES if term.startswith(ns)), "")


def test_term_counts_are_plausible(store: ox.Store) -> None:
    """The mentions are mapped: people with posts in organisations, documents, platforms."""
    rows = select(
        store,
        """SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE {
             ?s cdskg:mentionedIn ?article ; a ?type } GROUP BY ?type""",
    )
    counts = Counter({r["type"].value: int(r["n"].value) for r in rows})
    assert counts["http://xmlns.com/foaf/0.1/Person"] >= 5
    assert counts["http://www.w3.org/ns/org#Organization"] >= 5
    assert counts[f"{CDSKG}LegalDocument"] >= 5
    assert counts[f"{CDSKG}Platform"] >= 5
    assert ask(
        store,
        """ASK { ?p org:holds ?post . ?post a org:Post ; rdfs:label ?l ;
                  org:postIn ?org . ?org a org:Organization }""",
    )


BROKEN = """
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix cdskg: <https://w3id.org/cdskg/ontology#> .
@prefix ex: <https://example.org/> .
ex:ds a qb:DataSet ; qb:structure cdskg:dsd .
ex:o1 a qb:Observation ; qb:dataSet ex:ds ; sdmx-dimension:refArea ex:a ;
    sdmx-dimension:refPeriod ex:p ; cdskg:indicator ex:i ; cdskg:valueRole "actual" ;
    cdskg:sourceArticle ex:art ; cdskg:breakdown ex:b ; cdskg:statementIndex 1 ;
    sdmx-measure:obsValue 1.0 ; sdmx-attribute:unitMeasure ex:u ; cdskg:pillar ex:pl .
ex:o2 a qb:Observation ; qb:dataSet ex:ds ; sdmx-dimension:refArea ex:a ;
    sdmx-dimension:refPeriod ex:p ; cdskg:indicator ex:i ; cdskg:valueRole "actual" ;
    cdskg:sourceArticle ex:art ; cdskg:breakdown ex:b ; cdskg:statementIndex 1 ;
    sdmx-measure:obsValue 2.0 ; sdmx-attribute:unitMeasure ex:u ; cdskg:pillar ex:pl .
ex:o3 a qb:Observation ; qb:dataSet ex:ds ; sdmx-dimension:refArea ex:a ;
    sdmx-measure:obsValue 3.0 .
"""


@pytest.mark.parametrize(
    "name",
    [
        "IC-11 all dimensions required",
        "IC-12 no duplicate observations (as in the Recommendation)",
        "IC-13 required attributes",
        "IC-19 codes from code list (concept scheme)",
    ],
)
def test_the_checks_catch_broken_data(name: str) -> None:
    """The constraints are not vacuous: a hand-made cube that breaks them is caught."""
    broken = ox.Store()
    for path in sorted((REPO / "ontology").glob("*.ttl")):
        broken.load(path=str(path), format=ox.RdfFormat.TURTLE)
    broken.load(BROKEN.encode(), format=ox.RdfFormat.TURTLE)
    assert ask(broken, CONSTRAINTS[name])
