"""SHACL validation: the gate every article graph passes before loading, and store checks.

Two engines give the same results on our shapes; ``CDSKG_SHACL_ENGINE`` picks one:

- ``native`` (the default): :mod:`cdskg.validation.native`, compiled once for exactly the
  SHACL our shapes use, reading the mapping's pyoxigraph terms directly, with the SPARQL
  constraints run in Oxigraph once per batch of articles (:func:`validate_graphs`). Shapes
  it cannot compile are an :class:`~cdskg.errors.InputError` that names the feature and
  says to choose pySHACL. A graph whose SPARQL results could depend on the engine (an
  ill-typed literal such as ``"abc"^^xsd:decimal``, which rdflib compares with numbers and
  Oxigraph does not; two lexical forms of one number, which Oxigraph's store merges) is
  validated by pySHACL (the native results stand where pySHACL itself fails on such a
  literal).
- ``pyshacl``: pySHACL, the reference the native engine is proven against
  (``tests/test_shacl.py``, ``tests/test_shacl_batch.py`` and ``tests/test_validate.py``:
  every example in ``tests/shapes/``, the corpus, synthetic observations, random graphs).

Per-article validation sees the article's graph plus context triples; store validation
sees the union of all graphs (reference data included), so shapes that join on reference
data (unit hierarchy, an indicator's unit) only fire there. See ``shapes/*.ttl``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH

from cdskg.errors import InputError
from cdskg.settings import read
from cdskg.validation import native

PYSHACL = "pyshacl"
NATIVE = "native"
ENGINES = (NATIVE, PYSHACL)

log = logging.getLogger(__name__)

#: RDF formats accepted by :func:`validate_files`, by file suffix.
FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".rdf": "xml",
    ".jsonld": "json-ld",
}

Data = rdflib.Graph | str | Sequence[ox.Triple | ox.Quad]


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
    engine: str = PYSHACL


def default_engine() -> str:
    """``CDSKG_SHACL_ENGINE``: ``native`` (the default) or ``pyshacl``.

    :raises InputError: for any other value.
    """
    wanted = str(read("shacl_engine")).strip().lower()
    if wanted == PYSHACL:
        return PYSHACL
    if wanted not in ("", NATIVE):
        raise InputError(
            f"CDSKG_SHACL_ENGINE={wanted!r} is not an engine: use one of {', '.join(ENGINES)}"
        )
    return NATIVE


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


def to_ntriples(triples: Iterable[ox.Triple | ox.Quad]) -> str:
    """Quads or triples from pyoxigraph as N-Triples text (graph names dropped)."""
    return "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)


def _ox_triples(
    data: rdflib.Graph | str | Sequence[ox.Triple | ox.Quad],
) -> Sequence[ox.Triple | ox.Quad]:
    if isinstance(data, rdflib.Graph):
        return native.triples_of(data)
    if isinstance(data, str):
        try:
            return list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as exc:
            raise InputError(f"the graph to validate is not N-Triples: {exc}") from exc
    return data


def to_rdflib(triples: Iterable[ox.Triple | ox.Quad]) -> rdflib.Graph:
    """Quads or triples from pyoxigraph as one rdflib graph (graph names dropped)."""
    graph = rdflib.Graph()
    text = to_ntriples(triples)
    if text:
        graph.parse(data=text, format="nt")
    return graph


_plans: dict[int, tuple[rdflib.Graph, native.Plan]] = {}


def native_plan(shapes: rdflib.Graph) -> native.Plan:
    """The shapes compiled for the native engine, once per shapes graph.

    :raises InputError: when they use a feature it does not implement (named), with the
        advice to choose pySHACL.
    """
    hit = _plans.get(id(shapes))
    if hit is None or hit[0] is not shapes:
        try:
            hit = (shapes, native.compile_shapes(shapes))
        except native.UnsupportedShapes as exc:
            raise InputError(str(exc)) from None
        _plans[id(shapes)] = hit
    return hit[1]


def _native_result(plan: native.Plan, report: native.Report) -> ValidationResult:
    violations = []
    for r in report.results:
        messages = plan.message(r)
        shape = r.constraint if r.constraint is not None else r.source_shape
        violations.append(
            Violation(
                focus=r.focus.value,
                shape=str(shape),
                path=r.path.value if r.path is not None else None,
                value=r.value.value if r.value is not None else None,
                message_vi=messages.get("vi") or messages.get(None, ""),
                message_en=messages.get("en") or messages.get(None, ""),
                severity=r.severity.rsplit("#", 1)[-1],
            )
        )
    violations.sort(key=lambda v: (v.focus, v.shape, v.path or "", v.value or ""))
    return ValidationResult(report.conforms, violations, native.report_graph(plan, report), NATIVE)


def _checked(
    plan: native.Plan, report: native.Report, data: Data | ox.Store, shapes: rdflib.Graph
) -> ValidationResult:
    """The native engine's result, or pySHACL's where the native one cannot be sure of it."""
    if report.reference_needed:
        log.info("%s: validating with pySHACL", report.reference_needed)
        try:
            if isinstance(data, ox.Store):
                return validate_store(data, shapes, engine=PYSHACL)
            return validate_graph(data, shapes, engine=PYSHACL)
        except Exception as exc:  # rdflib fails on some ill-typed literals
            log.warning("pySHACL failed (%s); keeping the native engine's results", exc)
    return _native_result(plan, report)


def validate_graph(
    data: Data, shapes: rdflib.Graph, *, engine: str | None = None
) -> ValidationResult:
    """Validate one graph: an rdflib graph, N-Triples text (see :func:`to_ntriples`), or
    pyoxigraph triples/quads as the mapping makes them (graph names dropped).

    :param engine: ``"native"`` or ``"pyshacl"``; default :func:`default_engine`.
    :raises InputError: when the shapes cannot be evaluated.
    """
    return validate_graphs([data], shapes, engine=engine)[0]


def validate_graphs(
    graphs: Sequence[Data], shapes: rdflib.Graph, *, engine: str | None = None
) -> list[ValidationResult]:
    """Validate several graphs, each on its own (as :func:`validate_graph` would): the
    native engine runs the SPARQL constraints once over all of them
    (:meth:`cdskg.validation.native.Plan.validate_batch`), pySHACL validates one by one.

    :raises InputError: when the shapes cannot be evaluated.
    """
    engine = engine or default_engine()
    if engine == NATIVE:
        plan = native_plan(shapes)
        reports = plan.validate_batch([_ox_triples(g) for g in graphs])
        return [_checked(plan, r, g, shapes) for r, g in zip(reports, graphs, strict=True)]
    if engine == PYSHACL:
        return [_pyshacl(g, shapes) for g in graphs]
    raise InputError(f"unknown SHACL engine {engine!r}: use one of {', '.join(ENGINES)}")


def _pyshacl(data: Data, shapes: rdflib.Graph) -> ValidationResult:
    if isinstance(data, str):
        data = rdflib.Graph().parse(data=data, format="nt") if data else rdflib.Graph()
    elif not isinstance(data, rdflib.Graph):
        data = to_rdflib(data)
    conforms, report, _ = pyshacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    if not isinstance(report, rdflib.Graph):  # pySHACL returns a ValidationFailure
        raise InputError(f"the shapes cannot be evaluated: {report}")
    violations = _violations(report, shapes)
    _normalise_messages(report, shapes)
    return ValidationResult(bool(conforms), violations, report, PYSHACL)


def validate_store(
    store: ox.Store, shapes: rdflib.Graph, *, engine: str | None = None
) -> ValidationResult:
    """Validate the union of every graph in a pyoxigraph store (cross-article checks too).

    The native engine reads the store's quads directly and runs the SPARQL constraints on
    a copy of their distinct triples. For pySHACL the quads are read into one rdflib graph.
    """
    engine = engine or default_engine()
    if engine == NATIVE:
        plan = native_plan(shapes)
        return _checked(plan, plan.validate_store(store), store, shapes)
    return validate_graph(
        to_rdflib(store.quads_for_pattern(None, None, None)), shapes, engine=engine
    )


def validate_files(
    paths: Iterable[Path], shapes: rdflib.Graph, *, engine: str | None = None
) -> ValidationResult:
    """Validate RDF files together (union of their triples; graph names dropped).

    :raises InputError: for an unknown suffix or a file that does not parse.
    """
    data = rdflib.Graph()
    for path in paths:
        fmt = FORMATS.get(Path(path).suffix.lower())
        if fmt is None:
            raise InputError(f"{path}: unknown RDF format; use one of {', '.join(FORMATS)}")
        try:
            if fmt in ("nquads", "trig"):
                dataset = rdflib.Dataset()
                dataset.parse(path, format=fmt)
                for s, p, o, _ in dataset.quads((None, None, None, None)):
                    data.add((s, p, o))
            else:
                data.parse(path, format=fmt)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc}") from exc
        except Exception as exc:  # rdflib raises many parser types
            raise InputError(f"{path}: cannot parse as {fmt}: {exc}") from exc
    return validate_graph(data, shapes, engine=engine)


def format_report(result: ValidationResult, *, limit: int = 20) -> str:
    """A readable report: results grouped by shape, vi+en messages, focus node and value.

    :param limit: at most this many results listed per shape (the count is always given).
    """
    if result.conforms and not result.violations:
        return "Hợp lệ: không có vi phạm. / Conforms: no violations.\n"
    by_shape: dict[str, list[Violation]] = defaultdict(list)
    for v in result.violations:
        by_shape[v.shape].append(v)
    lines = [
        f"{len(result.violations)} vi phạm / violations, "
        f"{len(by_shape)} shape(s) (engine: {result.engine})",
        "",
    ]
    for shape in sorted(by_shape, key=lambda s: (-len(by_shape[s]), s)):
        items = by_shape[shape]
        first = items[0]
        lines.append(f"== {_short(shape)} ({len(items)}, {first.severity})")
        lines.append(f"   vi: {first.message_vi}")
        lines.append(f"   en: {first.message_en}")
        for v in items[:limit]:
            detail = f"   - {v.focus}"
            if v.path:
                detail += f"  path {_short(v.path)}"
            if v.value is not None:
                detail += f"  value {v.value!r}"
            lines.append(detail)
        if len(items) > limit:
            lines.append(f"   … {len(items) - limit} more / thêm {len(items) - limit}")
        lines.append("")
    return "\n".join(lines)


def write_report_graph(result: ValidationResult, path: Path) -> None:
    """Write the SHACL validation report graph as Turtle."""
    graph = result.report_graph
    graph.bind("sh", SH)
    graph.bind("cdshape", "https://w3id.org/cdskg/shapes#")
    Path(path).write_text(graph.serialize(format="turtle"), encoding="utf-8")


def _short(term: str) -> str:
    for prefix, ns in (
        ("cdshape:", "https://w3id.org/cdskg/shapes#"),
        ("cdskg:", "https://w3id.org/cdskg/ontology#"),
    ):
        if term.startswith(ns):
            return prefix + term[len(ns) :]
    return term


def _shape_of(report: rdflib.Graph, node: rdflib.term.Node) -> rdflib.term.Node | None:
    constraint = report.value(node, SH.sourceConstraint)
    if isinstance(constraint, rdflib.URIRef):
        return constraint
    return report.value(node, SH.sourceShape)


def _messages(shapes: rdflib.Graph, *nodes: rdflib.term.Node | None) -> dict[str | None, str]:
    """sh:message of the first node that has any, by language."""
    for node in nodes:
        if node is None:
            continue
        found = {
            m.language: str(m)
            for m in shapes.objects(node, SH.message)
            if isinstance(m, rdflib.Literal)
        }
        if found:
            return found
    return {}


def _violations(report: rdflib.Graph, shapes: rdflib.Graph) -> list[Violation]:
    result = []
    for node in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        source = report.value(node, SH.sourceShape)
        shape = _shape_of(report, node)
        messages = _messages(shapes, shape, source)
        if not messages:
            messages = {m.language: str(m) for m in report.objects(node, SH.resultMessage)}
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
    result.sort(key=lambda v: (v.focus, v.shape, v.path or "", v.value or ""))
    return result


def _normalise_messages(report: rdflib.Graph, shapes: rdflib.Graph) -> None:
    """Give every result the vi+en sh:message of the shape (or SPARQL constraint) it comes
    from, so the report graph reads the same whichever engine made it."""
    for node in list(report.subjects(rdflib.RDF.type, SH.ValidationResult)):
        messages = [
            m
            for m in shapes.objects(_shape_of(report, node), SH.message)
            if isinstance(m, rdflib.Literal)
        ]
        if not messages:
            continue
        report.remove((node, SH.resultMessage, None))
        for m in messages:
            report.add((node, SH.resultMessage, m))
