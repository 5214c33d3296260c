"""Golden mapping cases: a hand-written record in, the expected graph out (tests/golden/).

Each case folder holds ``record.json`` and ``expected.ttl``; the mapped graph must be
isomorphic to the expected one (``rdflib.compare.isomorphic``), pass the SHACL shapes, and
add exactly the warnings of ``warnings.json`` (none when absent). See tests/golden/README.md.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from cdskg.extract.records import ArticleRecord, Evidence, Mention, Period, Quantity
from cdskg.extract.thesaurus import Thesaurus
from cdskg.mapping.mapper import context_triples, map_article
from cdskg.rdf import iri
from cdskg.validation.engine import format_report, load_shapes, to_rdflib, validate_graph

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "record.json").is_file())
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ADMIN_UNIT = ox.NamedNode("https://w3id.org/cdskg/ontology#AdministrativeUnit")
PREFIXES = {
    "cdskg": "https://w3id.org/cdskg/ontology#",
    "cdsid": "https://w3id.org/cdskg/id/",
    "qb": "http://purl.org/linked-data/cube#",
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "oa": "http://www.w3.org/ns/oa#",
    "time": "http://www.w3.org/2006/time#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "unit": "http://qudt.org/vocab/unit/",
}


def load_evidence(text: str, data: dict[str, Any]) -> Evidence:
    """An evidence from its quote: the ``occurrence``-th (1-based) place it is in ``text``."""
    quote = data["quote"]
    start = -1
    for _ in range(data.get("occurrence", 1)):
        start = text.find(quote, start + 1)
        if start < 0:
            raise ValueError(f"quote {quote!r} is not in the record's text")
    end = start + len(quote)
    return Evidence(
        start=start,
        end=end,
        source_start=data.get("source_start", start),
        source_end=data.get("source_end", end),
        exact=quote,
        prefix=text[max(0, start - 32) : start],
        suffix=text[end : end + 32],
    )


def load_quantity(text: str, data: dict[str, Any]) -> Quantity:
    evidence = load_evidence(text, data["evidence"])
    at = evidence.exact.find(data["stated"])
    if at < 0:
        raise ValueError(f"stated value {data['stated']!r} is not in its quote")
    value_start = data.get("value_start", evidence.start + at)
    optional = {
        k: data[k] for k in ("qualifier", "role", "scope", "kind") if data.get(k) is not None
    }
    return Quantity(
        value=Decimal(data["value"]),
        unit=data["unit"],
        stated=data["stated"],
        value_start=value_start,
        value_end=value_start + len(data["stated"]),
        indicator=data["indicator"],
        indicator_text=data.get("indicator_text", ""),
        area=data["area"],
        period=Period(**data["period"]),
        evidence=evidence,
        numerator=Decimal(data["numerator"]) if data.get("numerator") else None,
        denominator=Decimal(data["denominator"]) if data.get("denominator") else None,
        **optional,
    )


def load_mention(text: str, data: dict[str, Any]) -> Mention:
    fields = {k: v for k, v in data.items() if k not in ("evidence", "comment")}
    return Mention(evidence=load_evidence(text, data["evidence"]), **fields)


def load_record(path: Path) -> ArticleRecord:
    """A ``record.json`` as the :class:`ArticleRecord` extraction would have produced."""
    data = json.loads(path.read_text(encoding="utf-8"))
    text = data["text"]
    return ArticleRecord(
        iri=iri.article(data["name"]),
        name=data["name"],
        title=data["title"],
        text=text,
        content_hash=data["content_hash"],
        main_locality=data.get("main_locality"),
        publisher=data.get("publisher"),
        authors=list(data.get("authors", [])),
        quantities=[load_quantity(text, q) for q in data.get("quantities", [])],
        mentions=[load_mention(text, m) for m in data.get("mentions", [])],
        warnings=list(data.get("warnings", [])),
    )


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return Thesaurus.load(REPO / "ontology")


def mapped(case: str, thesaurus: Thesaurus) -> tuple[ArticleRecord, Graph]:
    record = load_record(GOLDEN / case / "record.json")
    return record, to_rdflib(map_article(record, thesaurus).quads)


def test_there_are_golden_cases() -> None:
    assert {"percentage-with-ratio", "count-with-target", "person-with-post", "document"} <= set(
        CASES
    )


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str, thesaurus: Thesaurus) -> None:
    record, got = mapped(case, thesaurus)
    expected = Graph().parse(GOLDEN / case / "expected.ttl", format="turtle")
    if not isomorphic(got, expected):
        _, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(got))
        lines = [f"- {' '.join(t.n3() for t in triple)}" for triple in sorted(missing)]
        lines += [f"+ {' '.join(t.n3() for t in triple)}" for triple in sorted(extra)]
        pytest.fail(f"{case}: the mapping differs from expected.ttl\n" + "\n".join(lines))
    warnings_file = GOLDEN / case / "warnings.json"
    expected_warnings = (
        json.loads(warnings_file.read_text(encoding="utf-8")) if warnings_file.is_file() else []
    )
    assert record.warnings == expected_warnings


@pytest.mark.parametrize("case", CASES)
def test_golden_output_passes_the_shapes(case: str, thesaurus: Thesaurus) -> None:
    record = load_record(GOLDEN / case / "record.json")
    quads = map_article(record, thesaurus).quads
    # the reference graph types the units; the hand-written records name them without
    # the AdminUnit details (record.places), so type them here
    units = {x.area for x in record.quantities} | {record.main_locality} - {None}
    unit_types = [ox.Triple(ox.NamedNode(u), RDF_TYPE, ADMIN_UNIT) for u in sorted(units)]
    data = to_rdflib([*quads, *context_triples(record, thesaurus), *unit_types])
    result = validate_graph(data, load_shapes(REPO / "shapes"))
    assert result.conforms, format_report(result)


@pytest.mark.parametrize("case", CASES)
def test_mapping_twice_adds_each_warning_once(case: str, thesaurus: Thesaurus) -> None:
    """The pipeline maps a record again after holding figures back."""
    record = load_record(GOLDEN / case / "record.json")
    map_article(record, thesaurus)
    first = list(record.warnings)
    map_article(record, thesaurus)
    assert record.warnings == first


def regenerate(case: str) -> None:
    """Write the current mapping of a case as its expected.ttl (review the diff!)."""
    record, got = mapped(case, Thesaurus.load(REPO / "ontology"))
    for prefix, ns in PREFIXES.items():
        got.bind(prefix, ns)
    (GOLDEN / case / "expected.ttl").write_text(got.serialize(format="turtle"), encoding="utf-8")
    if record.warnings:
        (GOLDEN / case / "warnings.json").write_text(
            json.dumps(record.warnings, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":  # python tests/test_mapping_golden.py --regenerate CASE...
    if sys.argv[1:2] != ["--regenerate"] or len(sys.argv) < 3:
        sys.exit("usage: python tests/test_mapping_golden.py --regenerate CASE...")
    for name in sys.argv[2:]:
        regenerate(name)
