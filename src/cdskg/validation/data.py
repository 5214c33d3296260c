"""The data graph as pySHACL's rdflib reads it, for the native engine
(:mod:`cdskg.validation.native`), and the results it reports.

Matching pySHACL means reading the data as rdflib reads it:

- Typed literals are normalised as rdflib normalises them when it parses N-Triples
  (``"01"^^xsd:integer`` is ``"1"``, ``"1e5"^^xsd:decimal`` is ``"100000"``), and a literal
  is ill-typed when rdflib says so (``"abc"^^xsd:decimal``). Common lexical forms that rdflib
  keeps as they are pass a regular expression; any other form asks rdflib once (cached).
- Triples are a set: a triple given twice counts once.
- ``"x"^^xsd:string`` and ``"x"`` are one term (RDF 1.1, and what pySHACL sees through the
  N-Triples the build hands over; over an rdflib graph with an explicit ``^^xsd:string``
  pySHACL would tell them apart in ``sh:in``/``sh:hasValue``).

:class:`Data` indexes subject → predicate → objects keyed by the pyoxigraph terms
themselves (hashing them is cheap; ``.value`` strings are not).
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

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


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a graph is indexed and checked.

    Validation allocates millions of small objects that live until it ends (terms, index
    lists, results), none of them in reference cycles; every 700 allocations the collector
    would walk the young ones, and now and then every object alive: at 10k observations
    that was 1.4 of the 1.9 s reading the store (``benchmarks/README.md``). Reference
    counting frees them; the collector runs again afterwards, if it ran before (callers free
    the index first, so it need not walk that either).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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
_NONE: tuple = ()


class Data:
    """The data graph: subject → predicate → distinct objects, literals normalised as rdflib
    normalises them, and what the SPARQL step needs to map Oxigraph's terms back."""

    def __init__(self) -> None:
        #: tuples, not lists: most are of one object, and a tuple is one allocation
        self.index: dict[Term, dict[ox.NamedNode, tuple[Term, ...]]] = {}
        self.ill_typed: set[ox.Literal] = set()
        self.unstored: list[ox.Literal] = []  # literals Oxigraph's store may rewrite
        self.disputed: list[ox.Literal] = []  # literals rdflib's SPARQL may read otherwise
        #: the distinct triples of the queried predicates (see :meth:`read`), as quads
        #: (graph names as given: a triple is in one graph only)
        self.queried: list[ox.Quad] = []
        self._superclasses: dict[Term, set[Term]] | None = None
        self._by_type: dict[Term, list[Term]] | None = None
        self._literals: set[Term] | None = None
        #: one object per distinct object term (units, indicators, periods, qualifiers
        #: recur in every observation): less memory, and look-ups that find them by identity
        self._terms: dict[Term, Term] = {}

    @classmethod
    def read(
        cls,
        triples: Iterable[ox.Triple | ox.Quad],
        queried: set[ox.NamedNode] | None = None,
        predicates: dict[ox.NamedNode, ox.NamedNode] | None = None,
    ) -> Data:
        """Index ``triples``. ``queried``: the predicates SPARQL constraints can match (None:
        any); a literal of another predicate cannot change their results. The distinct
        triples of those predicates are kept, as quads, for the SPARQL step's store
        (:attr:`queried`). ``predicates``: see :meth:`add`."""
        data = cls()
        data.queried.extend(data.add(triples, queried, predicates))
        return data

    def add(
        self,
        triples: Iterable[ox.Triple | ox.Quad],
        queried: set[ox.NamedNode] | None = None,
        predicates: dict[ox.NamedNode, ox.NamedNode] | None = None,
    ) -> Iterator[ox.Quad]:
        """Index ``triples`` as :meth:`read` does, yielding the distinct triples of the
        ``queried`` predicates as quads as it goes (to fill the SPARQL step's store without a
        list of them: :meth:`cdskg.validation.native.Plan.validate_store`).

        ``predicates``: the objects to key the index by, one per predicate (the shapes' own,
        :attr:`cdskg.validation.native.Plan.predicates`), so a look-up by a path finds its
        key by identity; other predicates get one object each too. Each triple otherwise
        brings its own predicate object: at 100k observations 2.5M of them, each compared
        string by string on every look-up."""
        # predicate -> (the one object for it, whether SPARQL constraints can match it)
        one = {p: (p, queried is None or p in queried) for p in predicates or ()}
        index = self.index
        terms = self._terms
        ill_typed = self.ill_typed
        unstored = self.unstored
        disputed = self.disputed
        literal = ox.Literal
        quad = ox.Quad
        for t in triples:
            s = t.subject
            p = t.predicate
            known = one.get(p)
            if known is None:
                known = one[p] = (p, queried is None or p in queried)
            p, keep = known
            o = t.object
            changed = False
            if type(o) is literal:
                datatype = o.datatype.value
                if datatype not in (XSD_STRING, RDF_LANGSTRING):
                    lexical = o.value
                    # numbers of up to 18 characters fit Oxigraph's i64 integers and its
                    # decimals (18 digits after the point); longer ones it may not compare
                    # at all while rdflib does: they take the slow path, which disputes them
                    if datatype == XSD_INTEGER and len(lexical) <= 18 and _INT_KEPT(lexical):
                        pass
                    elif datatype == XSD_DECIMAL and len(lexical) <= 18 and _DEC_KEPT(lexical):
                        if not _DEC_STORED(lexical):
                            unstored.append(o)
                    else:
                        info = _slow_literal(o, datatype)
                        if info.changed:
                            o = info.normal
                            changed = True
                        if info.ill_typed:
                            ill_typed.add(o)
                        agreed = _AGREED.get(datatype)
                        if keep and (info.ill_typed or agreed is None or not agreed(o.value)):
                            disputed.append(o)
                        unstored.append(o)
            o = terms.setdefault(o, o)
            by_p = index.get(s)
            if by_p is None:
                index[s] = {p: (o,)}
            else:
                objects = by_p.get(p)
                if objects is None:
                    by_p[p] = (o,)
                elif o not in objects:
                    by_p[p] = (*objects, o)
                else:
                    continue  # given before
            if keep:
                if type(t) is not quad:
                    t = quad(s, p, o)
                elif changed:
                    t = quad(s, p, o, t.graph_name)
                yield t  # type: ignore[misc]

    def objects(self, s: Term, p: ox.NamedNode) -> Sequence[Term]:
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
            direct: dict[Term, Sequence[Term]] = {}
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
