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
