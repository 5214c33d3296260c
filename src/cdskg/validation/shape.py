"""The compiled shape of the native engine: its targets, its constraints (made by
:mod:`cdskg.validation.core`) and its property shapes, and how it runs them, per focus
node (for nested shapes) or one constraint at a time over all focus nodes (for the
targets of a whole graph, :meth:`_Shape.evaluate_all`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from cdskg.validation.data import _ALLOWED_SEVERITIES, _EMPTY, _NONE, Data, Result, RNode, Term

if TYPE_CHECKING:
    from cdskg.validation.sparql import _Sparql

Check = Callable[[Term, Sequence[Term], Data], list[tuple[Term | None, str]] | tuple]
#: (focus node, its value nodes) for every focus node of a shape, read once
Columns = Iterable[tuple[Term, Sequence[Term]]]
#: a check over all focus nodes at once: (focus, value or None, component) per result
Bulk = Callable[[Columns, Data], list[tuple[Term, Term | None, str]]]


def _bulk(check: Check) -> Bulk:
    """The form of ``check`` that runs over all focus nodes at once: its ``bulk`` attribute
    where the maker gave one (a loop without a call per focus node, or remembering the
    answer for a value node met again), else a loop calling it per focus node."""
    bulk = getattr(check, "bulk", None)
    if bulk is None:

        def bulk(columns: Columns, data: Data) -> list[tuple[Term, Term | None, str]]:
            out = []
            for f, values in columns:
                found = check(f, values, data)
                if found:
                    out.extend((f, v, c) for v, c in found)
            return out

        check.bulk = bulk  # type: ignore[attr-defined]
    return bulk


def _with_bulk(check: Check, bulk: Bulk) -> Check:
    check.bulk = bulk  # type: ignore[attr-defined]
    return check


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

    def evaluate_all(self, focus: Iterable[Term], data: Data, out: list[Result]) -> bool:
        """Check every focus node (SPARQL constraints aside), one constraint at a time over
        all of them (see :func:`_bulk`); append the results to ``out``. True when some focus
        node does not conform, as :meth:`evaluate` decides it for each."""
        index = data.index
        fs = list(focus)
        if not fs:
            return False
        rows = [index.get(f, _EMPTY) for f in fs]
        if self.path is None:
            own: Sequence[Sequence[Term]] = [(f,) for f in fs]
        else:
            path = self.path
            own = [by_p.get(path, _NONE) for by_p in rows]
        failed = self._check_all(fs, own, data, out)
        if self.properties:
            # every property's values of one focus node while its dictionary is at hand
            # (at 100k observations, one pass per property took 4 times as long: each
            # pass met every dictionary again, long out of the processor's caches)
            paths = [prop.path for prop in self.properties]
            table = [[by_p.get(p, _NONE) for p in paths] for by_p in rows]
            for prop, values in zip(self.properties, zip(*table, strict=True), strict=True):
                if prop._check_all(fs, values, data, out) and (
                    prop.severity not in _ALLOWED_SEVERITIES
                ):
                    failed = True
        return failed and self.severity not in _ALLOWED_SEVERITIES

    def _check_all(
        self, fs: list[Term], values: Sequence[Sequence[Term]], data: Data, out: list[Result]
    ) -> bool:
        failed = False
        path, node, severity = self.path, self.node, self.severity
        for check in self.checks:
            found = _bulk(check)(zip(fs, values, strict=True), data)
            if found:
                failed = True
                out.extend(Result(f, path, v, node, c, severity) for f, v, c in found)
        return failed

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

    def _check(
        self, focus: Term, values: Sequence[Term], data: Data, out: list[Result] | None
    ) -> bool:
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
