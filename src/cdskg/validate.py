"""SHACL validation with pySHACL: the gate every article graph passes before loading."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import SH

from cdskg.errors import InputError


@dataclass(frozen=True)
class Violation:
    focus: str
    shape: str  # the stable shape IRI (source shape, or the constraint for SPARQL ones)
    path: str | None
    value: str | None
    message_vi: str
    message_en: str
    severity: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "focus": self.focus,
            "shape": self.shape,
            "path": self.path,
            "value": self.value,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
            "severity": self.severity,
        }


@dataclass
class ValidationResult:
    conforms: bool
    violations: list[Violation]
    report_graph: rdflib.Graph


def load_shapes(shapes_dir: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    files = sorted(shapes_dir.glob("*.ttl"))
    if not files:
        raise InputError(f"{shapes_dir}: no shapes (*.ttl) found")
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many parser types
            raise InputError(f"{path}: cannot parse the shapes: {exc}") from exc
    return graph


def to_rdflib(triples: Iterable[ox.Triple | ox.Quad]) -> rdflib.Graph:
    """Quads or triples from pyoxigraph as one rdflib graph (graph names dropped)."""
    lines = []
    for t in triples:
        lines.append(f"{t.subject} {t.predicate} {t.object} .\n")
    graph = rdflib.Graph()
    if lines:
        graph.parse(data="".join(lines), format="nt")
    return graph


def validate_graph(data: rdflib.Graph, shapes: rdflib.Graph) -> ValidationResult:
    conforms, report, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    assert isinstance(report, rdflib.Graph)
    return ValidationResult(bool(conforms), _violations(report, shapes), report)


def _violations(report: rdflib.Graph, shapes: rdflib.Graph) -> list[Violation]:
    result = []
    for node in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        source = report.value(node, SH.sourceShape)
        constraint = report.value(node, SH.sourceConstraint)
        shape = constraint if isinstance(constraint, rdflib.URIRef) else source
        messages = {
            m.language: str(m)
            for m in list(report.objects(node, SH.resultMessage))
            + list(shapes.objects(shape, SH.message))
            + list(shapes.objects(source, SH.message))
            if isinstance(m, rdflib.Literal)
        }
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        severity = report.value(node, SH.resultSeverity)
        result.append(
            Violation(
                focus=str(report.value(node, SH.focusNode)),
                shape=str(shape),
                path=str(path) if path is not None else None,
                value=str(value) if value is not None else None,
                message_vi=messages.get("vi") or messages.get(None, ""),
                message_en=messages.get("en") or messages.get(None, ""),
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            )
        )
    result.sort(key=lambda v: (v.focus, v.shape))
    return result
