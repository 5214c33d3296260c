"""SHACL core constraint components for the native engine: one check maker per parameter
(``sh:minCount``, ``sh:datatype``, ``sh:in`` …), each giving pySHACL's results over
:class:`cdskg.validation.data.Data`, in a form for one focus node and one for all of them at
once (run by :class:`cdskg.validation.shape._Shape`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDFS, SH

from cdskg.validation.data import (
    _DEC_KEPT,
    _INT_KEPT,
    _SH,
    _XSD_STRING_NODE,
    RDF_LANGSTRING,
    XSD_DECIMAL,
    XSD_INTEGER,
    XSD_STRING,
    Data,
    Term,
    UnsupportedShapes,
    from_rdflib,
    to_rdflib,
)
from cdskg.validation.shape import Check, Columns, _with_bulk

if TYPE_CHECKING:
    from cdskg.validation.native import _Compiler


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
    return _with_bulk(
        lambda f, values, data: fail if len(values) < n else (),
        lambda columns, data: [(f, None, component) for f, values in columns if len(values) < n],
    )


@_check("maxCount")
def _max_count(c: _Compiler, node, p) -> Check:
    n = c.integer(node, p)
    component = _component("MaxCount")
    fail = [(None, component)]
    return _with_bulk(
        lambda f, values, data: fail if len(values) > n else (),
        lambda columns, data: [(f, None, component) for f, values in columns if len(values) > n],
    )


def _each(component: str, ok: Callable[[Term, Data], bool], *, memo: bool = False) -> Check:
    """A check on every value node: one result per value that is not ``ok``.

    ``memo``: over all focus nodes at once, ask ``ok`` once per distinct value node (for
    tests that cost more than a dictionary look-up: types, nested shapes)."""

    def check(f: Term, values: Sequence[Term], data: Data):
        for v in values:
            if not ok(v, data):
                return [(v, component) for v in values if not ok(v, data)]
        return ()

    if not memo:

        def bulk(columns: Columns, data: Data):
            return [(f, v, component) for f, values in columns for v in values if not ok(v, data)]

    else:

        def bulk(columns: Columns, data: Data):
            known: dict[Term, bool] = {}
            out = []
            for f, values in columns:
                for v in values:
                    good = known.get(v)
                    if good is None:
                        good = known[v] = ok(v, data)
                    if not good:
                        out.append((f, v, component))
            return out

    return _with_bulk(check, bulk)


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

    def bulk(columns: Columns, data: Data):
        missing: dict[Term, int] = {}  # value node -> how many of the classes it lacks
        out = []
        for f, values in columns:
            for v in values:
                n = missing.get(v)
                if n is None:
                    n = missing[v] = sum(
                        1
                        for cls in classes
                        if isinstance(v, ox.Literal) or not data.has_type(v, cls)
                    )
                out.extend((f, v, component) for _ in range(n))
        return out

    return _with_bulk(check, bulk)


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
    return _each(component, lambda v, data: any(m.conforms(v, data) for m in members), memo=True)


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

    def counted(n: int) -> list[tuple[Term | None, str]]:
        out = []
        if most is not None and n > most:
            out.append(too_many)
        if least is not None and n < least:
            out.append(too_few)
        return out

    def check(f, values, data):
        return counted(sum(1 for v in values if inner.conforms(v, data)))

    def bulk(columns: Columns, data: Data):
        known: dict[Term, bool] = {}
        out = []
        for f, values in columns:
            n = 0
            for v in values:
                good = known.get(v)
                if good is None:
                    good = known[v] = inner.conforms(v, data)
                n += good
            out.extend((f, v, c) for v, c in counted(n))
        return out

    return _with_bulk(check, bulk)
