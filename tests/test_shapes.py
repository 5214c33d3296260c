"""Every shape in shapes/ against its examples in tests/shapes/, in both directions.

``<ShapeId>-valid.ttl`` must conform to all shapes; ``<ShapeId>-invalid-NN.ttl`` (first line:
a comment saying why) must fail with a result whose sh:sourceShape or sh:sourceConstraint
is ``cdshape:<ShapeId>``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SH

from cdskg.validation.engine import load_shapes, validate_graph

ROOT = Path(__file__).resolve().parents[1]
SHAPES_DIR = ROOT / "shapes"
EXAMPLES = ROOT / "tests" / "shapes"
CDSHAPE = "https://w3id.org/cdskg/shapes#"


def _shape_ids(shapes: rdflib.Graph) -> set[str]:
    ids = set()
    for s in set(shapes.subjects()):
        if not isinstance(s, rdflib.URIRef) or not str(s).startswith(CDSHAPE):
            continue
        if (
            (s, RDF.type, SH.NodeShape) in shapes
            or (s, RDF.type, SH.SPARQLConstraint) in shapes
            or (s, SH.path, None) in shapes
        ):
            ids.add(str(s)[len(CDSHAPE) :])
    return ids


SHAPES = load_shapes(SHAPES_DIR)
SHAPE_IDS = sorted(_shape_ids(SHAPES))
VALID = sorted(EXAMPLES.glob("*-valid.ttl"))
INVALID = sorted(EXAMPLES.glob("*-invalid-*.ttl"))


def _run(path: Path) -> tuple[bool, rdflib.Graph]:
    """The default engine's verdict and report graph (CDSKG_SHACL_ENGINE picks another)."""
    result = validate_graph(rdflib.Graph().parse(path, format="turtle"), SHAPES)
    return result.conforms, result.report_graph


def _sources(report: rdflib.Graph) -> set[str]:
    found = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        for p in (SH.sourceShape, SH.sourceConstraint):
            for o in report.objects(result, p):
                found.add(str(o))
    return found


def test_there_are_shapes_and_examples():
    assert len(SHAPE_IDS) > 50
    assert VALID and INVALID


@pytest.mark.parametrize("shape", SHAPE_IDS)
def test_every_shape_has_examples_both_ways(shape):
    assert (EXAMPLES / f"{shape}-valid.ttl").exists()
    assert list(EXAMPLES.glob(f"{shape}-invalid-*.ttl")), f"no invalid example for {shape}"


@pytest.mark.parametrize("shape", SHAPE_IDS)
def test_every_shape_has_a_message_in_vietnamese_and_english(shape):
    langs = {m.language for m in SHAPES.objects(rdflib.URIRef(CDSHAPE + shape), SH.message)}
    assert {"vi", "en"} <= langs


@pytest.mark.parametrize("path", VALID + INVALID, ids=lambda p: p.stem)
def test_example_names_a_shape(path):
    shape = path.stem.rsplit("-valid", 1)[0].rsplit("-invalid-", 1)[0]
    assert shape in SHAPE_IDS, f"{path.name}: no shape cdshape:{shape}"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_says_why_on_its_first_line(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# invalid: ") and len(first) > len("# invalid: ") + 5


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example_conforms(path):
    conforms, report = _run(path)
    assert conforms, report.serialize(format="turtle")


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_fails_on_its_shape(path):
    shape = CDSHAPE + path.stem.rsplit("-invalid-", 1)[0]
    conforms, report = _run(path)
    assert not conforms
    assert shape in _sources(report), sorted(_sources(report))
