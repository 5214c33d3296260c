"""Mapping rules kept consistent with the shapes and the thesaurus they must satisfy."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from rdflib import SH, SKOS, Graph, Literal, URIRef

from cdskg.mapping.mapper import MappingRules
from cdskg.mapping.terms import TOTAL, breakdown_iri, document_type_iri

REPO = Path(__file__).resolve().parents[1]
SHAPES = "https://w3id.org/cdskg/shapes#"


@pytest.fixture(scope="module")
def thesaurus() -> Graph:
    return Graph().parse(REPO / "ontology" / "thesaurus.ttl", format="turtle")


@pytest.fixture(scope="module")
def rules() -> MappingRules:
    return MappingRules.load(REPO / "mappings")


def test_document_number_pattern_is_the_shapes_pattern(rules: MappingRules) -> None:
    """A document the mapping types as eli:LegalResource always passes the shape's id check,
    so a mention never gets a whole article rejected."""
    shapes = Graph().parse(REPO / "shapes" / "agent.ttl", format="turtle")
    pattern = shapes.value(URIRef(SHAPES + "LegalDocumentIdShape"), SH.pattern)
    assert str(pattern) == rules.id_pattern.pattern


@pytest.mark.parametrize("ident", ["47/2020/NĐ-CP", "97/KH-UBND", "39-CTr/TU", "06/QĐ-TTg"])
def test_document_numbers_accepted(rules: MappingRules, ident: str) -> None:
    assert rules.id_pattern.match(ident)


@pytest.mark.parametrize("ident", ["Đề án 06", "06", "Hướng dẫn số 3"])
def test_document_names_without_a_number_rejected(rules: MappingRules, ident: str) -> None:
    assert not rules.id_pattern.match(ident)


def test_every_scope_the_extractor_names_is_a_breakdown_code(thesaurus: Graph) -> None:
    scopes = tomllib.loads((REPO / "mappings" / "quantities.toml").read_text())["scopes"]
    scheme = URIRef("https://w3id.org/cdskg/id/scheme/breakdowns")
    for scope in {*scopes.values(), TOTAL} - {"whole"}:
        code = URIRef(breakdown_iri(scope))
        assert (code, SKOS.inScheme, scheme) in thesaurus, scope
        assert (code, SKOS.notation, Literal(scope)) in thesaurus, scope
    assert breakdown_iri(None) == breakdown_iri("whole") == breakdown_iri(TOTAL)


def test_every_document_type_is_a_concept(thesaurus: Graph, rules: MappingRules) -> None:
    scheme = URIRef("https://w3id.org/cdskg/id/scheme/document-types")
    for notation in {*rules.doc_types.values()}:
        assert (URIRef(document_type_iri(notation)), SKOS.inScheme, scheme) in thesaurus
    for known in rules.known.values():
        assert rules.id_pattern.match(known.id_local)


def test_bare_organisation_heads_come_from_the_extraction_rules(rules: MappingRules) -> None:
    assert {"ubnd", "hdnd"} <= rules.bare_heads


def _unclassified(start: int, words: str):
    from decimal import Decimal

    from cdskg.extract.records import Evidence, Period, Quantity

    ev = Evidence(start, start + 40, start, start + 40, words, "", "")
    return Quantity(
        value=Decimal(100),
        unit="http://qudt.org/vocab/unit/PERCENT",
        stated="100%",
        value_start=start,
        value_end=start + 4,
        indicator="unclassified",
        indicator_text=words,
        area="https://w3id.org/cdskg/id/unit/pre2025/province/68",
        period=Period("2023-01-01", "2023-12-31"),
        evidence=ev,
        kind="percentage",
    )


def test_unclassified_figures_are_one_only_when_they_say_the_same_words():
    """Two unclassified 100% of one unit are two figures unless their phrase is the same:
    the indicator is unknown, so only the words tell a restatement."""
    from cdskg.extract.records import ArticleRecord
    from cdskg.mapping.model import group_quantities

    record = ArticleRecord("https://w3id.org/cdskg/id/article/t", "t", "", "", "", None)
    record.quantities += [
        _unclassified(10, "cơ quan Đảng dùng hộp thư"),
        _unclassified(90, "xã có điểm bưu chính"),
        _unclassified(200, "Cơ quan Đảng  dùng hộp thư"),
    ]
    groups = group_quantities(record)
    assert [g.first.value_start for g in groups] == [10, 90]
    assert [x.value_start for x in groups[0].restated] == [200]
