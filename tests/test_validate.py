"""cdskg.validation.engine: the engines agree; store and file validation; the reports."""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from cdskg.errors import InputError
from cdskg.validation.engine import (
    NATIVE,
    PYSHACL,
    ValidationResult,
    default_engine,
    format_report,
    load_shapes,
    to_rdflib,
    validate_files,
    validate_graph,
    validate_store,
    write_report_graph,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "shapes"
SHAPES = load_shapes(ROOT / "shapes")
CDSHAPE = "https://w3id.org/cdskg/shapes#"
ID = "https://w3id.org/cdskg/id/"


#: pySHACL takes ~2 s per example; by default compare the engines on a few examples where
#: they are most likely to differ (SPARQL constraints, sh:in code lists, qualified counts,
#: patterns). CDSKG_SLOW_TESTS=1 compares every example (benchmarks/bench_validate.py too).
_RISKY = (
    "RatioAgreesShape-invalid",
    "PercentRangeShape-invalid-01",
    "QuoteAtOffsetsShape-invalid-01",
    "UnitHierarchyShape-invalid-01",
    "ObservationQualifierShape-invalid",
    "ArticleLanguageShape-invalid",
    "LegalDocumentIdShape-invalid-01",
    "EvidenceQuoteSelectorShape-invalid-02",
)


def _examples() -> list[Path]:
    every = sorted(EXAMPLES.glob("*.ttl"))
    if os.environ.get("CDSKG_SLOW_TESTS"):
        return every
    return [p for p in every if any(k in p.stem for k in _RISKY)]


def _key(result: ValidationResult) -> list[tuple]:
    return sorted(
        (v.focus, v.shape, v.path or "", v.value or "", v.severity) for v in result.violations
    )


def _numeric(keys: list[tuple]) -> list[tuple]:
    def norm(x):
        try:
            return Decimal(x).normalize()
        except (InvalidOperation, TypeError):
            return x

    return sorted(tuple(norm(x) for x in k) for k in keys)


def _blank_free(result: ValidationResult) -> list[tuple]:
    """Result keys with blank-node labels (engine-specific) masked."""
    return sorted(
        tuple("_:b" if isinstance(x, str) and len(x) > 20 and x.isalnum() else x for x in k)
        for k in _key(result)
    )


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.stem)
def test_engines_report_the_same_results(path):
    """(tests/test_shacl.py compares the native engine on every example, report graphs too)"""
    data = rdflib.Graph().parse(path, format="turtle")
    reference = validate_graph(data, SHAPES, engine=PYSHACL)
    other = validate_graph(data, SHAPES, engine=NATIVE)
    assert reference.conforms == other.conforms
    assert _blank_free(reference) == _blank_free(other)


def _store_from(path: Path) -> ox.Store:
    """The example's triples spread over named graphs, like a built store."""
    store = ox.Store()
    for i, triple in enumerate(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)):
        graph = ox.NamedNode(f"{ID}graph/{i % 3}")
        store.add(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    return store


@pytest.mark.parametrize(
    "name",
    ["ObservationShape-valid", "UnitHierarchyShape-invalid-01", "RatioAgreesShape-invalid-01"],
)
def test_store_validation_sees_the_union_of_graphs(name):
    path = EXAMPLES / f"{name}.ttl"
    from_store = validate_store(_store_from(path), SHAPES)
    from_file = validate_files([path], SHAPES)
    assert from_store.conforms == from_file.conforms == name.endswith("-valid")
    # a store keeps decimals canonical ("79.40" is read back as "79.4")
    assert _numeric(_key(from_store)) == _numeric(_key(from_file))


def test_validate_files_reads_several_formats(tmp_path):
    data = rdflib.Graph().parse(EXAMPLES / "PercentRangeShape-invalid-01.ttl")
    nt = tmp_path / "a.nt"
    nt.write_text(data.serialize(format="nt"), encoding="utf-8")
    result = validate_files([nt], SHAPES)
    assert not result.conforms
    assert CDSHAPE + "PercentRangeShape" in {v.shape for v in result.violations}


def test_validate_files_rejects_unknown_and_broken_files(tmp_path):
    odd = tmp_path / "a.csv"
    odd.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="unknown RDF format"):
        validate_files([odd], SHAPES)
    broken = tmp_path / "b.ttl"
    broken.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(InputError, match="cannot parse"):
        validate_files([broken], SHAPES)


def test_violation_carries_the_constraint_and_its_messages():
    result = validate_files([EXAMPLES / "RatioAgreesShape-invalid-01.ttl"], SHAPES)
    (v,) = [v for v in result.violations if v.shape == CDSHAPE + "RatioAgreesShape"]
    assert v.focus == ID + "obs-1"
    assert v.value == "79.40"
    assert "tỷ số" in v.message_vi and "ratio" in v.message_en
    assert v.severity == "Violation"
    assert set(v.as_dict()) == {
        "focus",
        "shape",
        "path",
        "value",
        "message_vi",
        "message_en",
        "severity",
    }


def test_format_report_groups_by_shape_with_both_languages():
    result = validate_files([EXAMPLES / "UnitHierarchyShape-invalid-01.ttl"], SHAPES)
    text = format_report(result)
    assert "== cdshape:UnitHierarchyShape (1, Violation)" in text
    assert "vi: Cấp của đơn vị cấp trên không hợp" in text
    assert "en: The parent's level does not fit" in text
    assert f"- {ID}unit-an-thoi" in text and f"value '{ID}unit-can-tho'" in text


def test_format_report_of_a_conforming_graph():
    result = validate_files([EXAMPLES / "ObservationShape-valid.ttl"], SHAPES)
    assert result.conforms
    assert "Conforms" in format_report(result)


def test_report_graph_is_written_as_turtle_with_our_messages(tmp_path):
    result = validate_files([EXAMPLES / "QuoteAtOffsetsShape-invalid-01.ttl"], SHAPES)
    out = tmp_path / "report.ttl"
    write_report_graph(result, out)
    graph = rdflib.Graph().parse(out, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, rdflib.RDF.type, sh.ValidationReport) in graph
    messages = {str(m) for m in graph.objects(None, sh.resultMessage)}
    assert (
        "The quote does not occur verbatim in the article's stored text at its offsets" in messages
    )


def test_unknown_engine_is_an_input_error():
    with pytest.raises(InputError, match="unknown SHACL engine"):
        validate_graph(rdflib.Graph(), SHAPES, engine="jena")


@pytest.mark.parametrize(
    ("setting", "engine"),
    [("", NATIVE), ("native", NATIVE), ("pyshacl", PYSHACL), (" PySHACL ", PYSHACL)],
)
def test_engine_setting(monkeypatch, setting, engine):
    monkeypatch.setenv("CDSKG_SHACL_ENGINE", setting)
    assert default_engine() == engine


def test_engine_setting_names_the_engines(monkeypatch):
    for setting in ("jena", "turbo"):  # pyshacl-turbo is no longer one (see engine.py)
        monkeypatch.setenv("CDSKG_SHACL_ENGINE", setting)
        with pytest.raises(InputError, match="native, pyshacl"):
            default_engine()


def test_default_engine_is_native_on_our_shapes(monkeypatch):
    monkeypatch.delenv("CDSKG_SHACL_ENGINE", raising=False)
    result = validate_files([EXAMPLES / "RatioAgreesShape-invalid-01.ttl"], SHAPES)
    assert result.engine == NATIVE and not result.conforms


ARTICLE_ONLY = """
@prefix cdskg: <https://w3id.org/cdskg/ontology#> .
@prefix level: <https://w3id.org/cdskg/id/level/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix id: <https://w3id.org/cdskg/id/> .
# context triples only type the units an article points to
id:unit-binh-thuy a cdskg:AdministrativeUnit, cdskg:UrbanDistrict .
id:ind a cdskg:Indicator .
# a former ward carried by the article graph, its parent described only in the reference graph
id:unit-tra-an-former a cdskg:AdministrativeUnit, cdskg:Ward ;
    skos:prefLabel "Phường Trà An"@vi ;
    cdskg:snapshot "former" ;
    cdskg:level level:ward ;
    cdskg:parentUnit id:unit-binh-thuy ;
    skos:broader id:unit-binh-thuy .
"""


def test_per_article_graph_does_not_fire_reference_shapes():
    data = rdflib.Graph().parse(data=ARTICLE_ONLY, format="turtle")
    result = validate_graph(data, SHAPES)
    assert result.conforms, format_report(result)


def test_to_rdflib_drops_graph_names():
    g = ox.NamedNode(ID + "graph/x")
    quads = [ox.Quad(ox.NamedNode(ID + "a"), ox.NamedNode(ID + "p"), ox.Literal("v"), g)]
    assert len(to_rdflib(quads)) == 1
