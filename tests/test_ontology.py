"""Checks on the ontology and the thesaurus in ``ontology/``: they parse, every cdskg term is
labelled and defined in Vietnamese and English, indicators are complete, labels are clean NFC,
and the Data Cube structure lists the components the mapping emits."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, Namespace, URIRef

from cdskg.text.fold import fold

ONTOLOGY_DIR = Path(__file__).resolve().parents[1] / "ontology"
FILES = ("cdskg.ttl", "thesaurus.ttl")

CDSKG = Namespace("https://w3id.org/cdskg/ontology#")
CDSID = Namespace("https://w3id.org/cdskg/id/")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
DCTERMS = Namespace("http://purl.org/dc/terms/")

ONTOLOGY = URIRef("https://w3id.org/cdskg/ontology")
INDICATORS = CDSID["scheme/indicators"]
PILLARS = CDSID["scheme/pillars"]
UNIT_LEVELS = CDSID["scheme/unit-levels"]

LABELS = (RDFS.label, SKOS.prefLabel)
DEFINITIONS = (SKOS.definition, RDFS.comment)
TERM_TYPES = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    QB.DimensionProperty,
    QB.MeasureProperty,
    QB.AttributeProperty,
    QB.DataStructureDefinition,
    SKOS.Concept,
    SKOS.ConceptScheme,
)
VALUE_KINDS = {"percentage", "count", "money", "score", "rank", "ratio", "speed", "density"}
UNITS = {
    URIRef("http://qudt.org/vocab/unit/PERCENT"),
    URIRef("http://qudt.org/vocab/unit/NUM"),
    URIRef("http://qudt.org/vocab/unit/UNITLESS"),
    URIRef("http://qudt.org/vocab/currency/VND"),
    URIRef("http://qudt.org/vocab/unit/MegaBIT-PER-SEC"),
    URIRef("http://qudt.org/vocab/unit/PERMILLE"),
}
PILLAR_NOTATIONS = {"digital-government", "digital-economy", "digital-society", "overall"}
LEVEL_NOTATIONS = {
    "country",
    "province",
    "central-city",
    "district",
    "urban-district",
    "town",
    "provincial-city",
    "ward",
    "commune",
    "township",
    "special-zone",
    "hamlet",
}
# Terms the mapping code emits: they must be declared here with exactly these names.
REQUIRED_CLASSES = {
    "Indicator",
    "Pillar",
    "AdministrativeUnit",
    "Province",
    "CentralCity",
    "District",
    "UrbanDistrict",
    "Town",
    "ProvincialCity",
    "Ward",
    "Commune",
    "Township",
    "SpecialZone",
    "Hamlet",
    "LegalDocument",
    "Platform",
    "Challenge",
    "Solution",
    "BuildRun",
}
REQUIRED_PROPERTIES = {
    "indicator",
    "sourceArticle",
    "pillar",
    "qualifier",
    "valueRole",
    "statedAs",
    "indicatorText",
    "evidence",
    "numerator",
    "denominator",
    "periodBasis",
    "sourceStart",
    "sourceEnd",
    "contentHash",
    "publisherName",
    "mainLocality",
    "parentUnit",
    "level",
    "validFrom",
    "validUntil",
    "snapshot",
    "mentionedIn",
    "articlesAdded",
    "articlesChanged",
    "articlesRemoved",
    "articlesRejected",
    "articlesUnchanged",
    "tripleCount",
    "corpusHash",
    "softwareVersion",
    "ontologyVersion",
    "valueKind",
    "unitMeasure",
    "breakdown",
    "statementIndex",
    "additionalEvidence",
}
PROPERTY_TYPES = (
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    QB.DimensionProperty,
    QB.AttributeProperty,
)


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = Graph()
    for name in FILES:
        g.parse(ONTOLOGY_DIR / name, format="turtle")
    return g


def _ours(term: object) -> bool:
    return isinstance(term, URIRef) and (str(term).startswith((str(CDSKG), str(CDSID))))


def _defined_terms(g: Graph) -> set[URIRef]:
    return {s for t in TERM_TYPES for s in g.subjects(RDF.type, t) if _ours(s)}


def _langs(g: Graph, s: URIRef, predicates: tuple[URIRef, ...]) -> set[str]:
    return {
        o.language
        for p in predicates
        for o in g.objects(s, p)
        if isinstance(o, Literal) and o.language
    }


def _indicators(g: Graph) -> list[URIRef]:
    return sorted(s for s in g.subjects(RDF.type, CDSKG.Indicator) if isinstance(s, URIRef))


@pytest.mark.parametrize("name", FILES)
def test_file_parses_with_pyoxigraph_and_rdflib(name: str) -> None:
    pyoxigraph = pytest.importorskip("pyoxigraph")
    path = ONTOLOGY_DIR / name
    quads = list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    assert len(quads) == len(Graph().parse(path, format="turtle")) > 0


def test_ontology_header(graph: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in graph
    assert graph.value(ONTOLOGY, OWL.versionIRI) == URIRef("https://w3id.org/cdskg/ontology/0.1.0")
    assert graph.value(ONTOLOGY, OWL.versionInfo) == Literal("0.1.0")
    assert graph.value(ONTOLOGY, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    for p in (DCTERMS.creator, DCTERMS.created, DCTERMS.modified):
        assert graph.value(ONTOLOGY, p) is not None, p
    for p in (DCTERMS.title, DCTERMS.description, RDFS.comment):
        assert _langs(graph, ONTOLOGY, (p,)) >= {"vi", "en"}, p
    comment = " ".join(str(o) for o in graph.objects(ONTOLOGY, RDFS.comment))
    assert "individuals" in comment and "cdskg:Pillar" in comment


def test_required_terms_are_declared(graph: Graph) -> None:
    classes = {s for s in graph.subjects(RDF.type, OWL.Class) if _ours(s)}
    missing = {CDSKG[n] for n in REQUIRED_CLASSES} - classes
    assert not missing, f"classes not declared: {sorted(missing)}"
    properties = {s for t in PROPERTY_TYPES for s in graph.subjects(RDF.type, t) if _ours(s)}
    missing = {CDSKG[n] for n in REQUIRED_PROPERTIES} - properties
    assert not missing, f"properties not declared: {sorted(missing)}"


def test_every_term_has_vi_and_en_label_and_definition(graph: Graph) -> None:
    terms = _defined_terms(graph)
    assert len(terms) > 100
    problems = []
    for term in sorted(terms):
        if not _langs(graph, term, LABELS) >= {"vi", "en"}:
            problems.append(f"{term}: label in vi and en")
        if not _langs(graph, term, DEFINITIONS) >= {"vi", "en"}:
            problems.append(f"{term}: definition in vi and en")
    assert not problems, "\n".join(problems)


def test_labels_are_nfc_and_use_the_vietnamese_d(graph: Graph) -> None:
    problems = []
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            text = str(o)
            if "\u00d0" in text or "\u00f0" in text:
                problems.append(f"{s} {p}: Icelandic eth in {text!r}")
            if unicodedata.normalize("NFC", text) != text:
                problems.append(f"{s} {p}: not NFC: {text!r}")
    assert not problems, "\n".join(problems)


def test_pillars(graph: Graph) -> None:
    pillars = set(graph.subjects(RDF.type, CDSKG.Pillar))
    assert {str(graph.value(p, SKOS.notation)) for p in pillars} == PILLAR_NOTATIONS
    for p in pillars:
        assert p == CDSID[f"pillar/{graph.value(p, SKOS.notation)}"]
        assert (p, RDF.type, SKOS.Concept) in graph
        assert (PILLARS, SKOS.hasTopConcept, p) in graph
        assert (p, SKOS.topConceptOf, PILLARS) in graph


def test_every_indicator_is_complete(graph: Graph) -> None:
    indicators = _indicators(graph)
    assert len(indicators) >= 40
    pillars = set(graph.subjects(RDF.type, CDSKG.Pillar))
    problems = []
    for ind in indicators:
        notation = graph.value(ind, SKOS.notation)
        if notation is None or ind != CDSID[f"indicator/{notation}"]:
            problems.append(f"{ind}: notation {notation!r} does not match the IRI")
        if (ind, RDF.type, SKOS.Concept) not in graph:
            problems.append(f"{ind}: not a skos:Concept")
        if (ind, SKOS.inScheme, INDICATORS) not in graph:
            problems.append(f"{ind}: not in the indicator scheme")
        pillar = graph.value(ind, CDSKG.pillar)
        if pillar not in pillars or (ind, SKOS.broader, pillar) not in graph:
            problems.append(f"{ind}: pillar {pillar} missing or not its skos:broader")
        if graph.value(ind, CDSKG.unitMeasure) not in UNITS:
            problems.append(f"{ind}: unit {graph.value(ind, CDSKG.unitMeasure)}")
        if str(graph.value(ind, CDSKG.valueKind)) not in VALUE_KINDS:
            problems.append(f"{ind}: valueKind {graph.value(ind, CDSKG.valueKind)}")
        alts = [a for a in graph.objects(ind, SKOS.altLabel) if a.language == "vi"]
        if not alts and ind != CDSID["indicator/unclassified"]:
            problems.append(f"{ind}: no altLabel@vi")
    assert not problems, "\n".join(problems)


def test_unclassified_indicator(graph: Graph) -> None:
    ind = CDSID["indicator/unclassified"]
    assert (ind, RDF.type, CDSKG.Indicator) in graph
    assert graph.value(ind, CDSKG.pillar) == CDSID["pillar/overall"]
    assert graph.value(ind, CDSKG.unitMeasure) == URIRef("http://qudt.org/vocab/unit/NUM")


def test_alt_labels_are_matchable_phrasings(graph: Graph) -> None:
    """Lower-case NFC, no stray spaces, and disjoint from the prefLabel (SKOS S13)."""
    problems = []
    for ind in _indicators(graph):
        prefs = set(graph.objects(ind, SKOS.prefLabel))
        for alt in graph.objects(ind, SKOS.altLabel):
            text = str(alt)
            if text != text.lower() or text != text.strip() or "  " in text:
                problems.append(f"{ind}: {text!r}")
            if alt in prefs:
                problems.append(f"{ind}: {text!r} is also the prefLabel")
    assert not problems, "\n".join(problems)


def test_no_phrasing_is_claimed_by_two_indicators(graph: Graph) -> None:
    """The extractor matches prefLabel@vi and altLabel@vi accent-folded and lower-cased, and a
    phrasing can lead to one indicator only (cdskg.extract.thesaurus keeps the first claim)."""
    owner: dict[str, URIRef] = {}
    problems = []
    for ind in _indicators(graph):
        for p in (SKOS.prefLabel, SKOS.altLabel):
            for label in graph.objects(ind, p):
                if label.language != "vi":
                    continue
                key = fold(str(label)).strip()
                if owner.setdefault(key, ind) != ind:
                    problems.append(f"{key!r}: {owner[key]} and {ind}")
    assert not problems, "\n".join(problems)


def test_one_preflabel_per_language(graph: Graph) -> None:
    for s in set(graph.subjects(SKOS.prefLabel, None)):
        langs = [o.language for o in graph.objects(s, SKOS.prefLabel)]
        assert len(langs) == len(set(langs)), s


def test_unit_levels(graph: Graph) -> None:
    levels = set(graph.subjects(SKOS.inScheme, UNIT_LEVELS))
    assert {str(graph.value(level, SKOS.notation)) for level in levels} == LEVEL_NOTATIONS
    for level in levels:
        assert level == CDSID[f"level/{graph.value(level, SKOS.notation)}"]
        cls = graph.value(level, CDSKG.unitClass)
        assert (cls, RDFS.subClassOf, CDSKG.AdministrativeUnit) in graph, level


def test_breakdowns(graph: Graph) -> None:
    scheme = CDSID["scheme/breakdowns"]
    codes = {str(graph.value(c, SKOS.notation)) for c in graph.subjects(SKOS.inScheme, scheme)}
    assert {"total", "district-level", "commune-level", "ward-level", "commune-average"} <= codes
    assert graph.value(CDSKG.breakdown, QB.codeList) == scheme
    assert (CDSKG.breakdown, RDF.type, QB.DimensionProperty) in graph


def test_document_types_cover_the_mapping_rules(graph: Graph) -> None:
    """Every notation mappings/documents.toml maps a type word to is a declared concept."""
    import tomllib

    rules = tomllib.loads((ONTOLOGY_DIR.parent / "mappings" / "documents.toml").read_text())
    scheme = CDSID["scheme/document-types"]
    for notation in set(rules["types"].values()):
        concept = CDSID[f"doctype/{notation}"]
        assert (concept, SKOS.inScheme, scheme) in graph, concept
        assert (concept, SKOS.notation, Literal(notation)) in graph, concept


def _components(g: Graph, kind: URIRef) -> dict[URIRef, BNode | URIRef]:
    return {
        g.value(spec, kind): spec
        for spec in g.objects(CDSKG.dsd, QB.component)
        if g.value(spec, kind) is not None
    }


def test_dsd_lists_the_required_components(graph: Graph) -> None:
    assert (CDSKG.dsd, RDF.type, QB.DataStructureDefinition) in graph
    dims = _components(graph, QB.dimension)
    assert set(dims) == {
        SDMX_DIMENSION.refArea,
        SDMX_DIMENSION.refPeriod,
        CDSKG.indicator,
        CDSKG.valueRole,
        CDSKG.sourceArticle,
        CDSKG.breakdown,
        CDSKG.statementIndex,
    }
    assert set(_components(graph, QB.measure)) == {SDMX_MEASURE.obsValue}
    attrs = _components(graph, QB.attribute)
    required = {a for a, spec in attrs.items() if graph.value(spec, QB.componentRequired)}
    assert set(attrs) == {
        SDMX_ATTRIBUTE.unitMeasure,
        SDMX_ATTRIBUTE.unitMult,
        CDSKG.pillar,
        CDSKG.qualifier,
    }
    assert {SDMX_ATTRIBUTE.unitMeasure, CDSKG.pillar} <= required
    assert SDMX_ATTRIBUTE.unitMult not in required


def test_dsd_components_are_normalised(graph: Graph) -> None:
    """Each component names its property with qb:componentProperty too, as the integrity
    constraints (IC-3, IC-11, IC-13) expect without inference."""
    for spec in graph.objects(CDSKG.dsd, QB.component):
        specific = {graph.value(spec, p) for p in (QB.dimension, QB.measure, QB.attribute)} - {None}
        assert len(specific) == 1, spec
        assert graph.value(spec, QB.componentProperty) in specific, spec


def test_dsd_components_are_typed_with_ranges(graph: Graph) -> None:
    """Data Cube IC-4 (dimensions have a range) and IC-5 (concept dimensions have a code list)
    hold over the ontology alone."""
    for dim in _components(graph, QB.dimension):
        assert (dim, RDF.type, QB.DimensionProperty) in graph, dim
        assert graph.value(dim, RDFS.range) is not None, dim
        if graph.value(dim, RDFS.range) == SKOS.Concept:
            assert graph.value(dim, QB.codeList) is not None, dim
    for attr in _components(graph, QB.attribute):
        assert (attr, RDF.type, QB.AttributeProperty) in graph, attr
    assert graph.value(CDSKG.indicator, QB.codeList) == INDICATORS
    assert graph.value(CDSKG.indicator, RDFS.range) == CDSKG.Indicator
    assert graph.value(CDSKG.pillar, QB.codeList) == PILLARS


def test_datatype_ranges(graph: Graph) -> None:
    for name in ("numerator", "denominator"):
        assert graph.value(CDSKG[name], RDFS.range) == XSD.decimal
    for name in ("sourceStart", "sourceEnd", "tripleCount", "articlesAdded"):
        assert graph.value(CDSKG[name], RDFS.range) == XSD.integer
    for name in ("validFrom", "validUntil"):
        assert graph.value(CDSKG[name], RDFS.range) == XSD.date
    assert (CDSKG.parentUnit, RDFS.subPropertyOf, SKOS.broader) in graph
