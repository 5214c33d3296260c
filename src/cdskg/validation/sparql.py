"""SPARQL-based constraints for the native engine: what a ``sh:select`` may use (read on
rdflib's algebra of the query), and its rows from Oxigraph turned into pySHACL's results.

Each query runs once per batch of graphs with ``$this`` free, keeping the rows whose
``?this`` is a focus node of the shape (see :meth:`cdskg.validation.native.Plan.validate_batch`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import pyoxigraph as ox
import rdflib

from cdskg.validation.data import _NONE, _RDF_TYPE, _SH, Data, Result, RNode, Term

if TYPE_CHECKING:
    from cdskg.validation.shape import _Shape


@dataclass
class _Sparql:
    node: RNode
    query: str  # as pySHACL runs it: its default prefixes, then the sh:select text
    projected: list[str]
    required: list[tuple[ox.NamedNode, Term | None]]  # triples it cannot match without
    matched: set[ox.NamedNode] | None  # the predicates it can match (None: any)
    walks_from_this: bool  # see _walks_from_this


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
