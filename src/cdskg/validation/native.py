"""A native SHACL validator for the subset of SHACL our shapes use, with pySHACL's results.

:func:`compile_shapes` turns a shapes graph into a :class:`Plan` once; :meth:`Plan.validate`
then checks a graph of pyoxigraph triples or quads (an article's graph as the mapping makes
it), :meth:`Plan.validate_batch` several graphs each on its own, and
:meth:`Plan.validate_store` a whole store. Anything outside the subset raises
:class:`UnsupportedShapes` at compile time, naming the shape and the feature, so the caller
can use pySHACL instead.

The reference is pySHACL 0.40 over an rdflib graph (``inference="none"``, ``advanced=True``,
``allow_warnings=True``); the data is read as rdflib reads it (:mod:`cdskg.validation.data`).
Core constraints (:mod:`cdskg.validation.core`) are evaluated in Python over an index of
the pyoxigraph terms, each over all focus nodes of a shape at once
(:meth:`cdskg.validation.shape._Shape.evaluate_all`).

SPARQL-based constraints (``sh:sparql``/``sh:select``) run in Oxigraph, once per batch of
graphs with ``$this`` free (:meth:`Plan.validate_batch`), keeping the rows whose ``?this``
is a focus node of the shape. That equals pySHACL's pre-binding of ``$this`` per focus node
when every part of the query that mentions ``$this`` binds it in a triple pattern (checked
on rdflib's algebra of each query at compile time, see :func:`_prebinding_is_a_filter`); a
query that fails the check is refused (running it per focus node with ``$this``
substituted would not give pySHACL's rows either: rdflib forgets pre-bound variables inside
BIND and FILTER expressions). The batch's store holds only triples of the predicates the
queries name, and a query is skipped when a triple its required patterns need is absent.
Rows are deduplicated as pySHACL does, and a literal that Oxigraph's store rewrites to its
canonical form (``"79.40"`` is stored as ``"79.4"``) is reported with the lexical form the
data had.

Where rdflib's SPARQL and Oxigraph's may disagree, :attr:`Report.reference_needed` says so
and ``cdskg.validation.engine`` asks pySHACL instead: an ill-typed literal or an uncommon lexical
form meets a SPARQL constraint (rdflib finds ``"abc"^^xsd:decimal`` greater than 79.04;
Oxigraph cannot compare them), or a result names a number the data states in two lexical
forms. The build's graphs have neither (``tests/test_shacl.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH

from cdskg.validation.core import _CHECKS
from cdskg.validation.data import (
    _ALLOWED_SEVERITIES,
    _SH,
    VIOLATION,
    Data,
    Report,
    Result,
    RNode,
    Term,
    UnsupportedShapes,
    from_rdflib,
    no_gc,
    to_rdflib,
)
from cdskg.validation.shape import _Shape
from cdskg.validation.sparql import (
    _Canonical,
    _matched_predicates,
    _prebinding_is_a_filter,
    _present,
    _required_predicates,
    _Sparql,
    _sparql_results,
    _sparql_rows,
    _variables,
    _walks_from_this,
)

__all__ = ["Data", "Plan", "Report", "Result", "UnsupportedShapes", "compile_shapes"]

log = logging.getLogger(__name__)

_IGNORED = {
    str(RDF.type),
    str(RDFS.label),
    str(RDFS.comment),
    _SH + "message",
    _SH + "name",
    _SH + "description",
    _SH + "order",
    _SH + "group",
    _SH + "severity",
    _SH + "deactivated",
    _SH + "property",
    _SH + "sparql",
    _SH + "path",
    _SH + "targetClass",
    _SH + "targetSubjectsOf",
    _SH + "targetObjectsOf",
    _SH + "targetNode",
    _SH + "flags",
    _SH + "qualifiedMinCount",
    _SH + "qualifiedMaxCount",
    _SH + "qualifiedValueShapesDisjoint",
}


class _Compiler:
    def __init__(self, graph: rdflib.Graph) -> None:
        self.g = graph
        self.shapes: dict[RNode, _Shape] = {}

    def fail(self, shape: rdflib.term.Node, what: str) -> UnsupportedShapes:
        return UnsupportedShapes(
            f"unsupported SHACL feature {what} in shape {shape}: the native validator "
            "does not implement it; use CDSKG_SHACL_ENGINE=pyshacl"
        )

    def one(self, node: rdflib.term.Node, p: rdflib.URIRef) -> rdflib.term.Node | None:
        values = list(self.g.objects(node, p))
        if len(values) > 1:
            raise self.fail(node, f"several {self.g.qname(p)}")
        return values[0] if values else None

    def integer(self, node: rdflib.term.Node, p: rdflib.URIRef) -> int | None:
        value = self.one(node, p)
        if value is None:
            return None
        if not isinstance(value, rdflib.Literal) or not isinstance(value.value, int):
            raise self.fail(node, f"{self.g.qname(p)} that is not an integer")
        return int(value.value)

    def items(self, node: rdflib.term.Node, p: rdflib.URIRef) -> list[rdflib.term.Node]:
        head = self.one(node, p)
        if head is None:
            return []
        try:
            return list(self.g.items(head))
        except Exception as exc:
            raise self.fail(node, f"{self.g.qname(p)} that is not an RDF list") from exc

    def shape(self, node: rdflib.term.Node) -> _Shape:
        if not isinstance(node, (rdflib.URIRef, rdflib.BNode)):
            raise self.fail(node, "a literal as a shape")
        if node in self.shapes:
            return self.shapes[node]
        g = self.g
        for p in set(g.predicates(node)):
            if str(p).startswith(_SH) and str(p) not in _IGNORED and str(p) not in _CHECKS:
                raise self.fail(node, g.qname(p))
        path = self.one(node, SH.path)
        if path is not None and not isinstance(path, rdflib.URIRef):
            raise self.fail(node, "a sh:path that is not a single predicate IRI")
        severity = self.one(node, SH.severity)
        shape = _Shape(
            node,
            ox.NamedNode(str(path)) if path is not None else None,
            str(severity) if severity is not None else VIOLATION,
        )
        self.shapes[node] = shape
        deactivated = self.one(node, SH.deactivated)
        if isinstance(deactivated, rdflib.Literal) and deactivated.value is True:
            return shape  # checks nothing, as pySHACL
        for p, make in _CHECKS.items():
            param = rdflib.URIRef(p)
            if (node, param, None) in g:
                shape.checks.append(make(self, node, param))
        for prop in g.objects(node, SH.property):
            if path is not None:
                raise self.fail(node, "sh:property on a property shape")
            shape.properties.append(self.shape(prop))
        for constraint in g.objects(node, SH.sparql):
            if path is not None:
                raise self.fail(node, "sh:sparql on a property shape")
            compiled = self.sparql(node, constraint)
            if compiled is not None:
                shape.sparql.append(compiled)
        for p, target in (
            (SH.targetClass, shape.target_classes),
            (SH.targetSubjectsOf, shape.target_subjects_of),
            (SH.targetObjectsOf, shape.target_objects_of),
            (SH.targetNode, shape.target_nodes),
        ):
            target.extend(from_rdflib(o) for o in g.objects(node, p))  # type: ignore[misc]
        if (node, RDF.type, RDFS.Class) in g or (
            node,
            RDF.type,
            rdflib.URIRef("http://www.w3.org/2002/07/owl#Class"),
        ) in g:
            shape.target_classes.append(from_rdflib(node))
        return shape

    def sparql(self, shape: rdflib.term.Node, node: rdflib.term.Node) -> _Sparql | None:
        g = self.g
        for p in set(g.predicates(node)):
            if str(p).startswith(_SH) and str(p) not in (
                _SH + "select",
                _SH + "message",
                _SH + "deactivated",
            ):
                raise self.fail(node, g.qname(p))
        deactivated = self.one(node, SH.deactivated)
        if isinstance(deactivated, rdflib.Literal) and deactivated.value is True:
            return None
        select = self.one(node, SH.select)
        if not isinstance(select, rdflib.Literal):
            raise self.fail(node, "a SPARQL constraint without one sh:select string")
        # pySHACL's default prefixes, as it prepends them
        text = (
            f"PREFIX rdf: <{RDF}>\nPREFIX rdfs: <{RDFS}>\n"
            f"PREFIX owl: <http://www.w3.org/2002/07/owl#>\n{select}"
        )
        from rdflib.plugins.sparql import prepareQuery

        try:
            algebra = prepareQuery(text).algebra
        except Exception as exc:
            raise self.fail(node, f"a sh:select rdflib cannot parse ({exc})") from exc
        if algebra.name != "SelectQuery":
            raise self.fail(node, "a sh:select that is not a SELECT query")
        projected = [str(v) for v in algebra.get("PV", [])]
        mentioned = _variables(algebra)
        for name in ("failure", "currentShape", "shapesGraph", "PATH"):
            if name in mentioned:
                raise self.fail(node, f"${name} in sh:select")
        if "this" not in projected:
            raise self.fail(node, "a sh:select that does not project $this")
        try:
            ox.Store().query(text)
        except SyntaxError as exc:
            raise self.fail(node, f"a sh:select Oxigraph cannot parse ({exc})") from exc
        if not _prebinding_is_a_filter(algebra):
            # Substituting $this per focus node is not what pySHACL does either: rdflib
            # drops its initial bindings inside BIND and FILTER expressions.
            raise self.fail(
                node,
                "a sh:select using $this where no triple pattern binds it"
                " (see cdskg.validation.sparql)",
            )
        required = [
            (ox.NamedNode(str(p)), None if o is None else from_rdflib(o))
            for p, o in _required_predicates(algebra["p"])
        ]
        matched = _matched_predicates(algebra)
        return _Sparql(
            node,
            text,
            projected,
            required,
            None if matched is None else {ox.NamedNode(str(p)) for p in matched},
            _walks_from_this(algebra),
        )


# --- the plan ----------------------------------------------------------------------------


class Plan:
    """Compiled shapes: validate graphs one by one, a batch of graphs, or a whole store."""

    def __init__(
        self,
        roots: list[_Shape],
        messages: dict[RNode, dict[str | None, str]],
        shapes: Iterable[_Shape] = (),
    ):
        self.roots = roots
        self.messages = messages
        #: one object per predicate the shapes name: the data's index is keyed by these
        #: (see :meth:`Data.read`), so looking a path up finds its key by identity
        self.predicates: dict[ox.NamedNode, ox.NamedNode] = {}
        for shape in [*roots, *shapes]:
            if shape.path is not None:
                shape.path = self.predicates.setdefault(shape.path, shape.path)
        constraints = [c for shape in roots for c in shape.sparql]
        self.required = {pair for c in constraints for pair in c.required}
        # the store for a batch's SPARQL constraints only needs triples they can match
        self.matched: set[ox.NamedNode] | None = set()
        for c in constraints:
            if c.matched is None:
                self.matched = None
                break
            self.matched |= {self.predicates.setdefault(p, p) for p in c.matched}
        #: whether graphs can share one store for the SPARQL constraints (see
        #: :meth:`validate_batch`): every query walks forward from $this on named predicates
        self.batchable = self.matched is not None and all(c.walks_from_this for c in constraints)

    def validate(self, triples: Iterable[ox.Triple | ox.Quad]) -> Report:
        """Validate one graph (graph names are dropped: the triples are one graph)."""
        return self.validate_batch([triples])[0]

    def validate_batch(self, graphs: Sequence[Iterable[ox.Triple | ox.Quad]]) -> list[Report]:
        """Validate each graph on its own, as :meth:`validate` would, with the SPARQL
        constraints run once over the batch instead of once per graph.

        Parsing, planning and running a query in Oxigraph costs about the same for one
        article as for dozens, so the graphs share one store, each focus node's rows going
        to the graphs where it is a focus node of the shape. That gives each graph its own
        rows when (1) every query only walks forward from ``$this`` along named predicates
        (checked when compiling: :func:`_walks_from_this`), so a row only uses triples whose
        subjects ``$this`` reaches, and (2) a node found in several graphs has the same
        triples of the queries' predicates in each (checked here: a graph that disagrees
        about a node goes to another store). The build's articles share only nodes minted
        from their content (periods, units, indicators), with the same triples everywhere.
        """
        with no_gc():
            datas = [Data.read(g, self.matched, self.predicates) for g in graphs]
            reports = self._run(datas, self._stores_for(datas))
            del datas  # freed before the collector runs again: it need not walk them
        return reports

    def validate_store(self, store: ox.Store) -> Report:
        """Validate the union of every graph in ``store``.

        The SPARQL constraints run on a copy holding each distinct triple once (of the
        predicates they name): Oxigraph's union default graph repeats a triple stated in
        several graphs, and a join over triples every article graph repeats (a shared
        period's dates) multiplies them beyond reach.
        """
        with no_gc():
            data = Data()
            copy = ox.Store()
            # filled while the quads are read: no list of a million quads to keep and free
            copy.bulk_extend(
                data.add(store.quads_for_pattern(None, None, None), self.matched, self.predicates)
            )
            [report] = self._run([data], [[0]], [copy])
            del data, copy  # freed before the collector runs again: it need not walk them
        return report

    def _stores_for(self, datas: list[Data]) -> list[list[int]]:
        """The graphs (by index) that share a store: first fit, a graph joining the first
        store whose graphs agree with it on every node they have in common."""
        if not self.batchable:
            return [[k] for k in range(len(datas))]
        matched = self.matched
        assert matched is not None
        stores: list[tuple[dict[Term, int], list[int]]] = []
        for k, data in enumerate(datas):
            nodes = data.nodes()

            def agrees(first_seen: dict[Term, int], data: Data = data, nodes=nodes) -> bool:
                return all(
                    (j := first_seen.get(node)) is None
                    or datas[j].outgoing(node, matched) == data.outgoing(node, matched)
                    for node in nodes
                )

            first_seen, members = next((store for store in stores if agrees(store[0])), ({}, []))
            if not members:
                stores.append((first_seen, members))
            members.append(k)
            for node in nodes:
                first_seen.setdefault(node, k)
        return [members for _, members in stores]

    def _run(
        self, datas: list[Data], stores: list[list[int]], made: list[ox.Store] | None = None
    ) -> list[Report]:
        """Validate each graph; ``stores``: the graphs that share a store for the SPARQL
        constraints, made here when a constraint needs it (``made``: already made)."""
        results: list[list[Result]] = [[] for _ in datas]
        nonconforming = [False] * len(datas)
        reasons: list[str | None] = [None] * len(datas)
        canonicals: dict[int, _Canonical] = {}
        focus = [[shape.focus_nodes(data) for shape in self.roots] for data in datas]

        def fails(k: int, shape: _Shape) -> None:
            if shape.severity not in _ALLOWED_SEVERITIES:
                nonconforming[k] = True

        for k, data in enumerate(datas):
            for i, shape in enumerate(self.roots):
                if focus[k][i] and shape.evaluate_all(focus[k][i], data, results[k]):
                    fails(k, shape)
        for j, members in enumerate(stores):
            store: ox.Store | None = made[j] if made else None
            present: set | None = None
            for i, shape in enumerate(self.roots):
                if not shape.sparql:
                    continue
                by_focus: dict[Term, list[int]] = {}
                for k in members:
                    for f in focus[k][i]:
                        by_focus.setdefault(f, []).append(k)
                if not by_focus:
                    continue
                for constraint in shape.sparql:
                    if present is None:
                        present = _present([datas[k] for k in members], self.required)
                    if any(pair not in present for pair in constraint.required):
                        continue  # a triple pattern it needs matches nothing here
                    if store is None:
                        store = self._store(datas, members)
                    for k in members:
                        self._dispute(datas[k], focus[k][i], constraint, reasons, k)
                    for k, solutions in _sparql_rows(constraint, store, by_focus).items():
                        canonical = canonicals.get(k)
                        if canonical is None:
                            canonical = canonicals[k] = _Canonical(datas[k])
                        _sparql_results(constraint, shape, solutions, canonical, results[k])
                        fails(k, shape)
        return [
            Report(
                not nonconforming[k],
                results[k],
                reasons[k] or (canonicals[k].ambiguous if k in canonicals else None),
            )
            for k in range(len(datas))
        ]

    @staticmethod
    def _store(datas: list[Data], members: list[int]) -> ox.Store:
        """The store for the SPARQL constraints of graphs that agree on the nodes they
        share: each distinct triple once (a node's triples from the first graph that has
        it), so the union of its graphs repeats none."""
        store = ox.Store()
        if len(members) == 1:
            store.bulk_extend(datas[members[0]].queried)
            return store
        first_seen: dict[Term, int] = {}
        for k in members:
            for node in datas[k].index:
                first_seen.setdefault(node, k)
        store.bulk_extend(
            q for k in members for q in datas[k].queried if first_seen[q.subject] == k
        )
        return store

    def _dispute(
        self, data: Data, focus: set[Term], c: _Sparql, reasons: list[str | None], k: int
    ) -> None:
        """A graph with a disputed literal whose SPARQL constraint runs needs pySHACL."""
        if (
            data.disputed
            and reasons[k] is None
            and focus
            and all(pair in _present([data], set(c.required)) for pair in c.required)
        ):
            reasons[k] = f"SPARQL constraints meet the literal {data.disputed[0]}"

    def message(self, result: Result) -> dict[str | None, str]:
        """sh:message of the SPARQL constraint or else the source shape, by language."""
        for node in (result.constraint, result.source_shape):
            if node is not None and self.messages.get(node):
                return self.messages[node]
        return {None: result.component[len(_SH) :]}


def compile_shapes(shapes: rdflib.Graph) -> Plan:
    """Compile a shapes graph.

    :raises UnsupportedShapes: naming the shape and the feature this validator lacks.
    """
    compiler = _Compiler(shapes)
    roots_nodes: set[rdflib.term.Node] = set(shapes.subjects(RDF.type, SH.NodeShape))
    for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode):
        roots_nodes.update(shapes.subjects(p, None))
    for p in (SH.target, SH.node, SH["not"], SH["and"], SH.xone, SH.closed, SH.rule):
        for s in shapes.subjects(p, None):
            raise compiler.fail(s, shapes.qname(p))
    roots = [compiler.shape(n) for n in sorted(roots_nodes, key=str)]
    roots = [
        r
        for r in roots
        if r.target_classes or r.target_subjects_of or r.target_objects_of or r.target_nodes
    ]
    messages: dict[RNode, dict[str | None, str]] = {}
    for node in set(shapes.subjects(SH.message, None)):
        messages[node] = {  # type: ignore[index]
            m.language: str(m)
            for m in shapes.objects(node, SH.message)
            if isinstance(m, rdflib.Literal)
        }
    return Plan(roots, messages, compiler.shapes.values())


def report_graph(plan: Plan, report: Report) -> rdflib.Graph:
    """The SHACL validation report graph, structured as pySHACL's (messages: the shape's
    sh:message in every language, as validate.py normalises pySHACL's)."""
    graph = rdflib.Graph()
    root = rdflib.BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, rdflib.Literal(report.conforms)))
    for r in report.results:
        node = rdflib.BNode()
        graph.add((root, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, to_rdflib(r.focus)))
        graph.add((node, SH.resultSeverity, rdflib.URIRef(r.severity)))
        graph.add((node, SH.sourceConstraintComponent, rdflib.URIRef(r.component)))
        graph.add((node, SH.sourceShape, r.source_shape))
        if r.value is not None:
            graph.add((node, SH.value, to_rdflib(r.value)))
        if r.path is not None:
            graph.add((node, SH.resultPath, rdflib.URIRef(r.path.value)))
        if r.constraint is not None:
            graph.add((node, SH.sourceConstraint, r.constraint))
        for lang, text in plan.message(r).items():
            graph.add((node, SH.resultMessage, rdflib.Literal(text, lang=lang)))
    return graph


def triples_of(graph: rdflib.Graph) -> Sequence[ox.Triple]:
    """An rdflib graph's triples as pyoxigraph triples."""
    return [
        ox.Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o))  # type: ignore[arg-type]
        for s, p, o in graph
    ]
