"""A native SHACL validator for the subset of SHACL our shapes use, with pySHACL's results.

:func:`compile_shapes` turns a shapes graph into a :class:`Plan` once; :meth:`Plan.validate`
then checks a graph of pyoxigraph triples or quads (an article's graph as the mapping makes
it), :meth:`Plan.validate_batch` several graphs each on its own, and
:meth:`Plan.validate_store` a whole store. Anything outside the subset raises
:class:`UnsupportedShapes` at compile time, naming the shape and the feature, so the caller
can use pySHACL instead.

The reference is pySHACL 0.40 over an rdflib graph (``inference="none"``, ``advanced=True``,
``allow_warnings=True``). Matching it means reading the data as rdflib reads it:

- Typed literals are normalised as rdflib normalises them when it parses N-Triples
  (``"01"^^xsd:integer`` is ``"1"``, ``"1e5"^^xsd:decimal`` is ``"100000"``), and a literal
  is ill-typed when rdflib says so (``"abc"^^xsd:decimal``). Common lexical forms that rdflib
  keeps as they are pass a regular expression; any other form asks rdflib once (cached).
- Triples are a set: a triple given twice counts once.
- ``"x"^^xsd:string`` and ``"x"`` are one term (RDF 1.1, and what pySHACL sees through the
  N-Triples the build hands over; over an rdflib graph with an explicit ``^^xsd:string``
  pySHACL would tell them apart in ``sh:in``/``sh:hasValue``).

Core constraints are evaluated in Python over an index subject → predicate → objects keyed
by the pyoxigraph terms themselves (hashing them is cheap; ``.value`` strings are not).

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
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH, XSD

Term = ox.NamedNode | ox.BlankNode | ox.Literal
RNode = rdflib.URIRef | rdflib.BNode

_XSD = str(XSD)
XSD_STRING = _XSD + "string"
XSD_INTEGER = _XSD + "integer"
XSD_DECIMAL = _XSD + "decimal"
RDF_LANGSTRING = str(RDF.langString)
_RDF_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))
_XSD_STRING_NODE = ox.NamedNode(XSD_STRING)
_SH = str(SH)
VIOLATION = _SH + "Violation"
_ALLOWED_SEVERITIES = {_SH + "Warning", _SH + "Info"}  # allow_warnings=True

# The lexical forms rdflib keeps as they are, well-typed (tests/test_shacl.py checks these
# against rdflib): integers without sign or leading zeros, decimals with digits on both
# sides of an optional point. Negative zero is normalised by rdflib, so it takes the slow path.
_INT_KEPT = re.compile(r"0|-?[1-9][0-9]*").fullmatch
_DEC_KEPT = re.compile(r"(?!-0(\.0*)?$)-?(0|[1-9][0-9]*)(\.[0-9]+)?").fullmatch
# ... and the decimals Oxigraph's store keeps too (no trailing zero after the point)
_DEC_STORED = re.compile(r"(?!-0$)-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?").fullmatch
# Forms of other datatypes that rdflib's and Oxigraph's SPARQL read alike (when rdflib finds
# them well-typed). Any other typed literal, and any ill-typed one, makes SPARQL results
# engine-dependent: rdflib compares "abc"^^xsd:decimal with numbers, Oxigraph does not.
_AGREED = {
    _XSD + "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch,
    _XSD + "dateTime": re.compile(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
    ).fullmatch,
    _XSD + "boolean": re.compile(r"true|false").fullmatch,
}

log = logging.getLogger(__name__)


class UnsupportedShapes(ValueError):
    """The shapes use a SHACL feature this validator does not implement."""


@dataclass(frozen=True, slots=True)
class Result:
    """One validation result, as pySHACL reports it."""

    focus: Term
    path: ox.NamedNode | None
    value: Term | None
    source_shape: RNode
    component: str
    severity: str
    constraint: RNode | None = None


@dataclass
class Report:
    """The results, and why pySHACL might report otherwise (None: it would not)."""

    conforms: bool
    results: list[Result]
    reference_needed: str | None = None


# --- the data, as rdflib reads it -------------------------------------------------------


@contextmanager
def _quiet_rdflib() -> Iterator[None]:
    """rdflib logs a traceback for every ill-typed literal it meets; we only ask."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@dataclass(frozen=True, slots=True)
class _LiteralInfo:
    normal: ox.Literal  # the literal as rdflib normalises it
    changed: bool  # whether that differs from the lexical form given
    ill_typed: bool


_slow_cache: dict[tuple[str, str], _LiteralInfo] = {}


def _slow_literal(lit: ox.Literal, datatype: str) -> _LiteralInfo:
    key = (lit.value, datatype)
    info = _slow_cache.get(key)
    if info is None:
        with _quiet_rdflib():
            rl = rdflib.Literal(lit.value, datatype=rdflib.URIRef(datatype))
        lexical = str(rl)
        normal = lit if lexical == lit.value else ox.Literal(lexical, datatype=lit.datatype)
        info = _LiteralInfo(normal, normal is not lit, rl.ill_typed is True)
        if len(_slow_cache) > 200_000:  # distinct odd literals of a huge store: start over
            _slow_cache.clear()
        _slow_cache[key] = info
    return info


def to_rdflib(term: Term) -> rdflib.term.Identifier:
    """A pyoxigraph term as rdflib reads it from N-Triples (``xsd:string`` is plain)."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language is not None:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == XSD_STRING:
        return rdflib.Literal(term.value)
    with _quiet_rdflib():
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))


def from_rdflib(node: rdflib.term.Node) -> Term:
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, rdflib.Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise UnsupportedShapes(f"cannot read {node!r} as an RDF term")


_EMPTY: dict = {}
_NONE: list = []


class Data:
    """The data graph: subject → predicate → distinct objects, literals normalised as rdflib
    normalises them, and what the SPARQL step needs to map Oxigraph's terms back."""

    def __init__(self) -> None:
        self.index: dict[Term, dict[ox.NamedNode, list[Term]]] = {}
        self.ill_typed: set[ox.Literal] = set()
        self.unstored: list[ox.Literal] = []  # literals Oxigraph's store may rewrite
        self.disputed: list[ox.Literal] = []  # literals rdflib's SPARQL may read otherwise
        #: the distinct triples of the queried predicates (see :meth:`read`), as quads
        #: (graph names as given: a triple is in one graph only)
        self.queried: list[ox.Quad] = []
        self._superclasses: dict[Term, set[Term]] | None = None
        self._by_type: dict[Term, list[Term]] | None = None
        self._literals: set[Term] | None = None

    @classmethod
    def read(
        cls, triples: Iterable[ox.Triple | ox.Quad], queried: set[ox.NamedNode] | None = None
    ) -> Data:
        """Index ``triples``. ``queried``: the predicates SPARQL constraints can match (None:
        any); a literal of another predicate cannot change their results. The distinct
        triples of those predicates are kept, as quads, for the SPARQL step's store
        (:attr:`queried`)."""
        data = cls()
        index = data.index
        ill_typed = data.ill_typed
        unstored = data.unstored
        kept = data.queried
        literal = ox.Literal
        quad = ox.Quad
        for t in triples:
            s = t.subject
            p = t.predicate
            o = t.object
            changed = False
            if type(o) is literal:
                datatype = o.datatype.value
                # numbers of up to 18 characters fit Oxigraph's i64 integers and its
                # decimals (18 digits after the point); longer ones it may not compare at
                # all while rdflib does: they take the slow path, which disputes them
                if datatype in (XSD_STRING, RDF_LANGSTRING) or (
                    datatype == XSD_INTEGER and len(o.value) <= 18 and _INT_KEPT(o.value)
                ):
                    pass
                elif datatype == XSD_DECIMAL and len(o.value) <= 18 and _DEC_KEPT(o.value):
                    if not _DEC_STORED(o.value):
                        unstored.append(o)
                else:
                    info = _slow_literal(o, datatype)
                    if info.changed:
                        o = info.normal
                        changed = True
                    if info.ill_typed:
                        ill_typed.add(o)
                    agreed = _AGREED.get(datatype)
                    if (info.ill_typed or agreed is None or not agreed(o.value)) and (
                        queried is None or p in queried
                    ):
                        data.disputed.append(o)
                    unstored.append(o)
            by_p = index.get(s)
            if by_p is None:
                index[s] = {p: [o]}
            else:
                objects = by_p.get(p)
                if objects is None:
                    by_p[p] = [o]
                elif o not in objects:
                    objects.append(o)
                else:
                    continue  # given before
            if queried is None or p in queried:
                if type(t) is not quad:
                    t = quad(s, p, o)
                elif changed:
                    t = quad(s, p, o, t.graph_name)
                kept.append(t)  # type: ignore[arg-type]
        return data

    def objects(self, s: Term, p: ox.NamedNode) -> list[Term]:
        return self.index.get(s, _EMPTY).get(p, _NONE)

    def nodes(self) -> set[Term]:
        """Every term of the graph, as subject or object."""
        found: set[Term] = set(self.index)
        for by_p in self.index.values():
            for objects in by_p.values():
                found.update(objects)
        return found

    def outgoing(self, node: Term, predicates: set[ox.NamedNode]) -> set[tuple]:
        """The (predicate, object) pairs of ``node``'s triples of ``predicates``."""
        return {
            (p, o)
            for p, objects in self.index.get(node, _EMPTY).items()
            if p in predicates
            for o in objects
        }

    def instances(self, cls: Term) -> list[Term]:
        """Subjects typed ``cls`` or a subclass of it (rdfs:subClassOf* in the data)."""
        if self._by_type is None:
            by_type: dict[Term, list[Term]] = {}
            for s, by_p in self.index.items():
                for c in by_p.get(_RDF_TYPE, _NONE):
                    by_type.setdefault(c, []).append(s)
            self._by_type = by_type
        found = list(self._by_type.get(cls, _NONE))
        for sub in self._subclasses_of(cls):
            found.extend(self._by_type.get(sub, _NONE))
        return found

    def _subclasses_of(self, cls: Term) -> list[Term]:
        supers = self.superclasses()
        return [c for c, ups in supers.items() if cls in ups and c != cls]

    def superclasses(self) -> dict[Term, set[Term]]:
        """Class → every class it is a subclass of (transitively), from the data graph."""
        if self._superclasses is None:
            direct: dict[Term, list[Term]] = {}
            for s, by_p in self.index.items():
                ups = by_p.get(_SUBCLASS_OF)
                if ups:
                    direct[s] = ups
            closure: dict[Term, set[Term]] = {}
            for c in direct:
                seen: set[Term] = set()
                stack = list(direct[c])
                while stack:
                    up = stack.pop()
                    if up not in seen:
                        seen.add(up)
                        stack.extend(direct.get(up, _NONE))
                closure[c] = seen
            self._superclasses = closure
        return self._superclasses

    def has_type(self, node: Term, cls: Term) -> bool:
        """pySHACL's sh:class test: an rdf:type of ``node`` is ``cls`` or a subclass."""
        types = self.index.get(node, _EMPTY).get(_RDF_TYPE, _NONE)
        if cls in types:
            return True
        supers = self.superclasses()
        return bool(supers) and any(cls in supers.get(t, ()) for t in types)

    def literals(self) -> set[Term]:
        if self._literals is None:
            self._literals = {
                o
                for by_p in self.index.values()
                for objects in by_p.values()
                for o in objects
                if isinstance(o, ox.Literal)
            }
        return self._literals


# --- compiling the shapes ---------------------------------------------------------------

Check = Callable[[Term, list[Term], Data], list[tuple[Term | None, str]] | tuple]

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


@dataclass
class _Sparql:
    node: RNode
    query: str  # as pySHACL runs it: its default prefixes, then the sh:select text
    projected: list[str]
    required: list[tuple[ox.NamedNode, Term | None]]  # triples it cannot match without
    matched: set[ox.NamedNode] | None  # the predicates it can match (None: any)
    walks_from_this: bool  # see _walks_from_this


@dataclass
class _Shape:
    node: RNode
    path: ox.NamedNode | None
    severity: str
    checks: list[Check] = field(default_factory=list)
    properties: list[_Shape] = field(default_factory=list)
    sparql: list[_Sparql] = field(default_factory=list)
    target_classes: list[Term] = field(default_factory=list)
    target_subjects_of: list[ox.NamedNode] = field(default_factory=list)
    target_objects_of: list[ox.NamedNode] = field(default_factory=list)
    target_nodes: list[Term] = field(default_factory=list)

    def focus_nodes(self, data: Data) -> set[Term]:
        found: set[Term] = set(self.target_nodes)
        for c in self.target_classes:
            found.update(data.instances(c))
        if self.target_subjects_of or self.target_objects_of:
            for s, by_p in data.index.items():
                for p in self.target_subjects_of:
                    if p in by_p:
                        found.add(s)
                for p in self.target_objects_of:
                    found.update(by_p.get(p, _NONE))
        return found

    def evaluate(self, focus: Term, data: Data, out: list[Result] | None) -> bool:
        """Check one focus node (SPARQL constraints aside); append results to ``out`` when
        given. True when the shape does not conform, as pySHACL decides it."""
        by_p = data.index.get(focus, _EMPTY)
        values = by_p.get(self.path, _NONE) if self.path is not None else [focus]
        failed = self._check(focus, values, data, out)
        if failed and out is None:
            return self.severity not in _ALLOWED_SEVERITIES
        for prop in self.properties:
            # a property shape's checks, without a call of evaluate() per property
            if prop._check(focus, by_p.get(prop.path, _NONE), data, out) and (
                prop.severity not in _ALLOWED_SEVERITIES
            ):
                failed = True
                if out is None:
                    break
        return failed and self.severity not in _ALLOWED_SEVERITIES

    def _check(self, focus: Term, values: list[Term], data: Data, out: list[Result] | None) -> bool:
        failed = False
        for check in self.checks:
            found = check(focus, values, data)
            if not found:
                continue
            failed = True
            if out is None:
                break
            for value, component in found:
                out.append(Result(focus, self.path, value, self.node, component, self.severity))
        return failed

    def conforms(self, focus: Term, data: Data) -> bool:
        return not self.evaluate(focus, data, None)


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
                node, "a sh:select using $this where no triple pattern binds it (see shacl.py)"
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


def _check(component: str):
    def register(make):
        _CHECKS[_SH + component] = make
        return make

    return register


_CHECKS: dict[str, Callable[[_Compiler, rdflib.term.Node, rdflib.URIRef], Check]] = {}


def _component(name: str) -> str:
    return f"{_SH}{name}ConstraintComponent"


@_check("minCount")
def _min_count(c: _Compiler, node, p) -> Check:
    n = c.integer(node, p)
    component = _component("MinCount")
    fail = [(None, component)]
    return lambda f, values, data: fail if len(values) < n else ()


@_check("maxCount")
def _max_count(c: _Compiler, node, p) -> Check:
    n = c.integer(node, p)
    component = _component("MaxCount")
    fail = [(None, component)]
    return lambda f, values, data: fail if len(values) > n else ()


def _each(component: str, ok: Callable[[Term, Data], bool]) -> Check:
    """A check on every value node: one result per value that is not ``ok``."""

    def check(f: Term, values: list[Term], data: Data):
        for v in values:
            if not ok(v, data):
                return [(v, component) for v in values if not ok(v, data)]
        return ()

    return check


@_check("datatype")
def _datatype(c: _Compiler, node, p) -> Check:
    rule = str(c.one(node, p))
    literal = ox.Literal
    if rule == XSD_STRING:
        # a plain literal: rdflib's datatype None (no language) or an explicit xsd:string
        def ok(v, data):
            return type(v) is literal and v.language is None and v.datatype == _XSD_STRING_NODE
    elif rule == RDF_LANGSTRING:

        def ok(v, data):
            return type(v) is literal and v.language is not None
    elif rule == str(RDFS.Literal):

        def ok(v, data):
            return type(v) is literal
    elif rule == str(RDFS.Datatype):
        # rdflib gives plain and language-tagged literals no datatype

        def ok(v, data):
            return type(v) is literal and v.language is None and v.datatype != _XSD_STRING_NODE
    else:
        wanted = ox.NamedNode(rule)

        def ok(v, data):
            return type(v) is literal and v.datatype == wanted and v not in data.ill_typed

    return _each(_component("Datatype"), ok)


@_check("class")
def _class(c: _Compiler, node, p) -> Check:
    classes = [from_rdflib(o) for o in c.g.objects(node, p)]
    component = _component("Class")

    def check(f, values, data):
        return [
            (v, component)
            for cls in classes
            for v in values
            if isinstance(v, ox.Literal) or not data.has_type(v, cls)
        ]

    return check


@_check("nodeKind")
def _node_kind(c: _Compiler, node, p) -> Check:
    kind = str(c.one(node, p))[len(_SH) :]
    kinds = {
        "IRI": (ox.NamedNode,),
        "BlankNode": (ox.BlankNode,),
        "Literal": (ox.Literal,),
        "BlankNodeOrIRI": (ox.BlankNode, ox.NamedNode),
        "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
        "IRIOrLiteral": (ox.NamedNode, ox.Literal),
    }
    if kind not in kinds:
        raise c.fail(node, f"sh:nodeKind sh:{kind}")
    allowed = kinds[kind]
    return _each(_component("NodeKind"), lambda v, data: type(v) in allowed)


@_check("in")
def _in(c: _Compiler, node, p) -> Check:
    members = {from_rdflib(o) for o in c.items(node, p)}
    return _each(_component("In"), lambda v, data: v in members)


@_check("hasValue")
def _has_value(c: _Compiler, node, p) -> Check:
    wanted = [from_rdflib(o) for o in c.g.objects(node, p)]
    component = _component("HasValue")
    return lambda f, values, data: [(None, component) for w in wanted if w not in values]


@_check("languageIn")
def _language_in(c: _Compiler, node, p) -> Check:
    tags = set()
    for o in c.items(node, p):
        if not isinstance(o, rdflib.Literal) or not isinstance(o.value, str):
            raise c.fail(node, "a sh:languageIn member that is not a string")
        tags.add(str(o).lower())
    anything = "*" in tags

    def ok(v, data):
        if type(v) is not ox.Literal or not v.language:
            return False
        lang = v.language.lower()
        return anything or lang in tags or lang.split("-")[0] in tags

    return _each(_component("LanguageIn"), ok)


@_check("uniqueLang")
def _unique_lang(c: _Compiler, node, p) -> Check:
    flag = c.one(node, p)
    if not isinstance(flag, rdflib.Literal) or not isinstance(flag.value, bool):
        raise c.fail(node, "sh:uniqueLang that is not a boolean")
    component = _component("UniqueLang")
    if not flag.value:
        return lambda f, values, data: ()

    def check(f, values, data):
        if len(values) < 2:
            return ()
        seen: set[str] = set()
        duplicates: set[str] = set()
        for v in values:
            if type(v) is ox.Literal and v.language:
                lang = v.language.lower()
                (duplicates if lang in seen else seen).add(lang)
        return [(None, component) for _ in duplicates]

    return check


def _string_of(v: Term) -> str | None:
    """pySHACL's string of a value node: the lexical form or IRI; blank nodes have none."""
    return None if isinstance(v, ox.BlankNode) else v.value


@_check("minLength")
def _min_length(c: _Compiler, node, p) -> Check:
    n = c.integer(node, p)
    if n is None or n < 0:
        raise c.fail(node, "a negative sh:minLength")
    if n == 0:
        return lambda f, values, data: ()

    def ok(v, data):
        s = _string_of(v)
        return s is not None and len(s) >= n

    return _each(_component("MinLength"), ok)


@_check("maxLength")
def _max_length(c: _Compiler, node, p) -> Check:
    n = c.integer(node, p)

    def ok(v, data):
        s = _string_of(v)
        return s is not None and len(s) <= n

    return _each(_component("MaxLength"), ok)


@_check("pattern")
def _pattern(c: _Compiler, node, p) -> Check:
    pattern = c.one(node, p)
    flags_node = c.one(node, SH.flags)
    flags = 0
    if flags_node is not None:
        text = str(flags_node).lower()
        flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
    search = re.compile(str(pattern), flags).search

    def ok(v, data):
        s = _string_of(v)
        return s is not None and search(s) is not None

    return _each(_component("Pattern"), ok)


def _number(v: ox.Literal) -> int | Decimal | None:
    """The value of an integer or decimal literal in a form rdflib keeps, else None."""
    datatype = v.datatype.value
    if datatype == XSD_INTEGER and _INT_KEPT(v.value):
        return int(v.value)
    if datatype == XSD_DECIMAL and _DEC_KEPT(v.value):
        return Decimal(v.value)
    return None


def _range(name: str, passes: Callable[[int], bool]) -> Callable:
    def make(c: _Compiler, node, p) -> Check:
        from pyshacl.rdfutil.compare import compare_literal

        bound = c.one(node, p)
        if not isinstance(bound, rdflib.Literal):
            raise c.fail(node, f"a {c.g.qname(p)} that is not a literal")
        bound_is_string = isinstance(bound.value, str)
        fast = _number(from_rdflib(bound)) if not bound_is_string else None  # type: ignore[arg-type]

        def ok(v, data):
            if type(v) is not ox.Literal:
                return False
            if fast is not None and v not in data.ill_typed:
                n = _number(v)
                if n is not None:
                    return passes((n > fast) - (n < fast))
            # everything else exactly as pySHACL compares rdflib literals
            rv = to_rdflib(v)
            v_is_string = isinstance(rv.value, str)  # type: ignore[union-attr]
            if v_is_string != bound_is_string:
                return False
            try:
                return passes(compare_literal(rv, bound))
            except (TypeError, NotImplementedError):
                return False

        return _each(_component(name), ok)

    return make


_check("minInclusive")(_range("MinInclusive", lambda cmp: cmp >= 0))
_check("minExclusive")(_range("MinExclusive", lambda cmp: cmp > 0))
_check("maxInclusive")(_range("MaxInclusive", lambda cmp: cmp <= 0))
_check("maxExclusive")(_range("MaxExclusive", lambda cmp: cmp < 0))


def _less_than_value(v: Term) -> tuple[bool, object]:
    """(is a string, comparable value) as pySHACL's sh:lessThan reads a value node."""
    if isinstance(v, ox.BlankNode):
        raise UnsupportedShapes("sh:lessThan cannot compare a blank node (pySHACL fails too)")
    if isinstance(v, ox.NamedNode):
        return True, v.value
    n = _number(v)
    if n is not None:
        return False, n
    rv = to_rdflib(v)
    if isinstance(rv.value, str):  # type: ignore[union-attr]
        return True, rv.value  # type: ignore[union-attr]
    return False, rv


def _other_predicate(c: _Compiler, node, p) -> ox.NamedNode:
    """The predicate a property-pair constraint (sh:lessThan, sh:equals) compares with."""
    other = c.one(node, p)
    if not isinstance(other, rdflib.URIRef):
        raise c.fail(node, f"a {c.g.qname(p)} that is not a predicate IRI")
    return ox.NamedNode(str(other))


@_check("lessThan")
def _less_than(c: _Compiler, node, p) -> Check:
    other_p = _other_predicate(c, node, p)
    component = _component("LessThan")

    def check(f, values, data):
        compared = data.objects(f, other_p)
        if not compared:
            return ()
        out = []
        for v in values:
            v_str, v_val = _less_than_value(v)
            for w in compared:
                w_str, w_val = _less_than_value(w)
                if v_str != w_str:
                    out.append((v, component))
                    continue
                left, right = v_val, w_val
                if isinstance(left, rdflib.Literal) or isinstance(right, rdflib.Literal):
                    # not two plain numbers: compare as rdflib does
                    left, right = to_rdflib(v), to_rdflib(w)
                if not left < right:  # type: ignore[operator]
                    out.append((v, component))
        return out

    return check


@_check("equals")
def _equals(c: _Compiler, node, p) -> Check:
    other_p = _other_predicate(c, node, p)
    component = _component("Equals")

    def check(f, values, data):
        compared = data.objects(f, other_p)
        if not values and not compared:
            return ()
        return [(v, component) for v in values if v not in compared] + [
            (w, component) for w in compared if w not in values
        ]

    return check


@_check("or")
def _or(c: _Compiler, node, p) -> Check:
    members = [c.shape(o) for o in c.items(node, p)]
    component = _component("Or")
    if not members:
        return lambda f, values, data: ()
    return _each(component, lambda v, data: any(m.conforms(v, data) for m in members))


@_check("qualifiedValueShape")
def _qualified(c: _Compiler, node, p) -> Check:
    disjoint = c.one(node, SH.qualifiedValueShapesDisjoint)
    if isinstance(disjoint, rdflib.Literal) and disjoint.value is True:
        raise c.fail(node, "sh:qualifiedValueShapesDisjoint true")
    inner = c.shape(c.one(node, p))  # type: ignore[arg-type]
    least = c.integer(node, SH.qualifiedMinCount)
    most = c.integer(node, SH.qualifiedMaxCount)
    too_many = (None, _SH + "QualifiedMaxCountConstraintComponent")
    too_few = (None, _SH + "QualifiedMinCountConstraintComponent")

    def check(f, values, data):
        n = sum(1 for v in values if inner.conforms(v, data))
        out = []
        if most is not None and n > most:
            out.append(too_many)
        if least is not None and n < least:
            out.append(too_few)
        return out

    return check


# --- SPARQL constraints ------------------------------------------------------------------


def _walk(node: object) -> Iterator[object]:
    """Every value inside an rdflib algebra node (CompValues, lists, paths, terms)."""
    stack = [node]
    while stack:
        x = stack.pop()
        yield x
        if isinstance(x, dict):
            stack.extend(v for k, v in x.items() if not str(k).startswith("_"))
        elif isinstance(x, (list, tuple, set)):
            stack.extend(x)
        elif hasattr(x, "args"):  # property paths
            stack.extend(getattr(x, "args", ()))
        elif hasattr(x, "arg"):
            stack.append(x.arg)


def _variables(node: object) -> set[str]:
    return {str(x) for x in _walk(node) if isinstance(x, rdflib.Variable)}


_THIS = rdflib.Variable("this")
_UNARY = {"Filter", "Extend", "Project", "Distinct", "Reduced", "Slice", "OrderBy", "ToMultiSet"}


def _binds_this(p: object) -> bool:
    """Whether every solution of pattern ``p`` binds ?this (from a triple pattern)."""
    name = getattr(p, "name", None)
    if name == "BGP":
        return any(_THIS in (s, o) or pred == _THIS for s, pred, o in p["triples"])  # type: ignore[index]
    if name == "Join":
        return _binds_this(p["p1"]) or _binds_this(p["p2"])  # type: ignore[index]
    if name in ("LeftJoin", "Minus"):
        return _binds_this(p["p1"])  # type: ignore[index]
    if name == "Union":
        return _binds_this(p["p1"]) and _binds_this(p["p2"])  # type: ignore[index]
    if name in _UNARY:
        return _binds_this(p["p"])  # type: ignore[index]
    return False


def _patterns(p: object) -> Iterator[object]:
    """The graph patterns of an algebra tree (not those inside EXISTS: those are evaluated
    per solution, with ?this already bound by the pattern their filter applies to)."""
    name = getattr(p, "name", None)
    if name is None:
        return
    yield p
    for key in ("p", "p1", "p2"):
        child = p.get(key)  # type: ignore[attr-defined]
        if getattr(child, "name", None) is not None:
            yield from _patterns(child)


def _prebinding_is_a_filter(algebra: object) -> bool:
    """Whether running the query with ?this free and keeping the rows where ?this = f gives
    the rows pySHACL gets with $this pre-bound to f.

    It does when every graph pattern that mentions ?this (in itself or its expressions)
    binds ?this in every solution: then, bottom-up, each such pattern's solutions with
    ?this = f are exactly its solutions with f substituted, and patterns that do not
    mention ?this evaluate the same either way; joins, optional joins, unions, filters and
    extensions of such sets commute with keeping ?this = f. An expression or pattern that
    uses ?this before a triple pattern binds it (BIND($this AS ?x) first, a FILTER inside an
    OPTIONAL that only the outer pattern binds, a subquery, VALUES) sees it unbound here;
    in pySHACL it depends on rdflib (which forgets initial bindings inside BIND and FILTER
    expressions), so :func:`compile_shapes` refuses such queries.
    """
    top = algebra["p"]  # type: ignore[index]
    if not _binds_this(top):
        return False
    for p in _patterns(top):
        if getattr(p, "name", None) not in {"BGP", "Join", "LeftJoin", "Minus", "Union"} | _UNARY:
            if "this" in _variables(p):
                return False
            continue
        own = {k: v for k, v in p.items() if k not in ("p", "p1", "p2")}  # type: ignore[attr-defined]
        mentions = "this" in _variables(own) or any(
            "this" in _variables(p.get(k))
            for k in ("p", "p1", "p2")  # type: ignore[attr-defined]
        )
        if mentions and not _binds_this(p):
            return False
    return True


def _required_predicates(p: object) -> list[tuple[rdflib.URIRef, rdflib.term.Node | None]]:
    """(predicate IRI, constant object or None) of triple patterns every solution must
    match: a batch without such a triple cannot give a row."""
    name = getattr(p, "name", None)
    if name == "BGP":
        return [
            (pred, None if isinstance(o, rdflib.Variable) else o)
            for _, pred, o in p["triples"]  # type: ignore[index]
            if isinstance(pred, rdflib.URIRef)
        ]
    if name == "Join":
        return _required_predicates(p["p1"]) + _required_predicates(p["p2"])  # type: ignore[index]
    if name in ("LeftJoin", "Minus"):
        return _required_predicates(p["p1"])  # type: ignore[index]
    if name in _UNARY:
        return _required_predicates(p["p"])  # type: ignore[index]
    return []


def _matched_predicates(algebra: object) -> set[rdflib.URIRef] | None:
    """Every predicate a triple pattern of the query (EXISTS ones too) can match, or None
    when some pattern can match any predicate (a variable, a negated or zero-length path)."""
    from rdflib.paths import AlternativePath, SequencePath

    found: set[rdflib.URIRef] = set()

    def add(pred: object) -> bool:
        if isinstance(pred, rdflib.URIRef):
            found.add(pred)
            return True
        if isinstance(pred, (SequencePath, AlternativePath)):
            return all(add(arg) for arg in pred.args)
        return False  # a variable, or a path that can match any predicate or none

    for x in _walk(algebra):
        if isinstance(x, dict) and "triples" in x:
            for triple in x["triples"]:
                for i in range(1, len(triple), 3):  # TriplesBlock lists are flat s p o s p o
                    if not add(triple[i]):
                        return None
    return found


def _walks_from_this(algebra: object) -> bool:
    """Whether every triple pattern of the query (in EXISTS, OPTIONAL, MINUS, UNION too)
    starts at ?this or at a variable a pattern starting there reaches, along a named
    predicate (or a sequence or alternative of them), never backwards, never from a
    constant. Then a row for ``$this`` = f only uses triples whose subjects f reaches, which
    lets graphs share a store (:meth:`Plan.validate_batch`)."""
    from rdflib.paths import AlternativePath, SequencePath

    def forward(pred: object) -> bool:
        if isinstance(pred, rdflib.URIRef):
            return True
        if isinstance(pred, (SequencePath, AlternativePath)):
            return all(forward(arg) for arg in pred.args)
        return False

    patterns = []
    for x in _walk(algebra):
        if isinstance(x, dict) and "triples" in x:
            for triple in x["triples"]:
                for i in range(0, len(triple) - 2, 3):  # TriplesBlock lists are flat
                    patterns.append((triple[i], triple[i + 1], triple[i + 2]))
    if not all(forward(p) for _, p, _ in patterns):
        return False
    reached: set[object] = {_THIS}
    pending = patterns
    while pending:
        left = [t for t in pending if t[0] not in reached]
        if len(left) == len(pending):
            return False  # a pattern starts where ?this does not lead
        for s, _, o in pending:
            if s in reached and isinstance(o, (rdflib.Variable, rdflib.BNode)):
                reached.add(o)
        pending = left
    return True


def _present(datas: list[Data], wanted: set[tuple[ox.NamedNode, Term | None]]) -> set:
    """Which of the ``wanted`` (predicate, object or None) occur in the graphs."""
    predicates: set[ox.NamedNode] = set()
    for data in datas:
        for by_p in data.index.values():
            predicates.update(by_p)
    found = {pair for pair in wanted if pair[1] is None and pair[0] in predicates}
    pending = [pair for pair in wanted if pair[1] is not None and pair[0] in predicates]
    for data in datas if pending else ():
        for by_p in data.index.values():
            for pair in pending:
                if pair not in found and pair[1] in by_p.get(pair[0], _NONE):
                    found.add(pair)
    return found


class _Canonical:
    """Literals as the data has them, keyed by the form Oxigraph's store gives them back.

    Where two lexical forms of the data are one term in the store (``"79.4"``, ``"79.40"``)
    a result cannot say which the data had: :attr:`ambiguous` says so.
    """

    _store_form: ClassVar[dict[ox.Literal, ox.Literal]] = {}  # process-wide: literal → stored

    def __init__(self, data: Data) -> None:
        self.data = data
        self.ambiguous: str | None = None
        self.back: dict[ox.Literal, list[ox.Literal]] = {}
        todo = [lit for lit in set(data.unstored) if lit not in self._store_form]
        if todo:
            scratch = ox.Store()
            scratch.extend(
                ox.Quad(ox.NamedNode(f"urn:x:{i}"), _RDF_TYPE, lit) for i, lit in enumerate(todo)
            )
            for q in scratch:
                self._store_form[todo[int(q.subject.value[6:])]] = q.object  # type: ignore[index]
            if len(self._store_form) > 500_000:
                type(self)._store_form = {}
        for lit in set(data.unstored):
            stored = self._store_form.get(lit, lit)
            if stored != lit:
                self.back.setdefault(stored, []).append(lit)

    def original(self, term: Term) -> Term:
        originals = self.back.get(term)  # type: ignore[arg-type]
        if not originals:
            return term
        if len(originals) > 1 or term in self.data.literals():
            self.ambiguous = f"{term} stands for several lexical forms in the data"
        return originals[0]


def _sparql_rows(
    constraint: _Sparql, store: ox.Store, by_focus: dict[Term, list[int]]
) -> dict[int, list[ox.QuerySolution]]:
    """The query's solutions over a batch's store, by the graph whose focus node is ``?this``
    (every graph of the batch that has that focus node for the shape)."""
    rows: dict[int, list[ox.QuerySolution]] = {}
    for solution in store.query(constraint.query, use_default_graph_as_union=True):
        for k in by_focus.get(solution["this"], _NONE):  # type: ignore[arg-type]
            rows.setdefault(k, []).append(solution)
    return rows


def _sparql_results(
    constraint: _Sparql,
    shape: _Shape,
    solutions: list[ox.QuerySolution],
    canonical: _Canonical,
    out: list[Result],
) -> None:
    """One result per distinct row, as pySHACL deduplicates them, with each literal in the
    lexical form the graph had (the store gives canonical forms back)."""
    names = [n for n in constraint.projected if n != "this"]
    seen: set[tuple] = set()
    for solution in solutions:
        f = solution["this"]
        key = (
            f,
            *(
                canonical.original(solution[name]) if solution[name] is not None else None
                for name in names
            ),
        )
        if key in seen:
            continue
        seen.add(key)
        named = dict(zip(names, key[1:], strict=True))
        value = named.get("value")
        path = named.get("path")
        out.append(
            Result(
                f,  # type: ignore[arg-type]
                path if isinstance(path, ox.NamedNode) else None,
                value if value is not None else f,  # type: ignore[arg-type]
                shape.node,
                _SH + "SPARQLConstraintComponent",
                shape.severity,
                constraint.node,
            )
        )


# --- the plan ----------------------------------------------------------------------------


class Plan:
    """Compiled shapes: validate graphs one by one, a batch of graphs, or a whole store."""

    def __init__(self, roots: list[_Shape], messages: dict[RNode, dict[str | None, str]]):
        self.roots = roots
        self.messages = messages
        constraints = [c for shape in roots for c in shape.sparql]
        self.required = {pair for c in constraints for pair in c.required}
        # the store for a batch's SPARQL constraints only needs triples they can match
        self.matched: set[ox.NamedNode] | None = set()
        for c in constraints:
            if c.matched is None:
                self.matched = None
                break
            self.matched |= c.matched
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
        datas = [Data.read(g, self.matched) for g in graphs]
        return self._run(datas, self._stores_for(datas))

    def validate_store(self, store: ox.Store) -> Report:
        """Validate the union of every graph in ``store``.

        The SPARQL constraints run on a copy holding each distinct triple once (of the
        predicates they name): Oxigraph's union default graph repeats a triple stated in
        several graphs, and a join over triples every article graph repeats (a shared
        period's dates) multiplies them beyond reach.
        """
        data = Data.read(store.quads_for_pattern(None, None, None), self.matched)
        return self._run([data], [[0]])[0]

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

    def _run(self, datas: list[Data], stores: list[list[int]]) -> list[Report]:
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
                failed = False
                for f in focus[k][i]:
                    if shape.evaluate(f, data, results[k]):
                        failed = True
                if failed:
                    fails(k, shape)
        for members in stores:
            store: ox.Store | None = None
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
    return Plan(roots, messages)


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
