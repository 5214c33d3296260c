"""What the facts tables of the pages aggregate, computed once per store version.

A locality, indicator or pillar page, and ``/facts``, show the page's facts table unfiltered
first: its count, the facet counts of each other dimension (most frequent first) and the
first page of its rows, newest period first. Over a whole pillar that is six ``GROUP BY``
queries and a sort of every observation of the pillar, per request. The preparer computes
them here for every locality, indicator and pillar at once (one ``GROUP BY`` per facet and
scope kind, one sort per scope kind) and writes them into ``tables.sqlite`` beside the
catalogue's answers (:mod:`cdskg.publish.answers`), keyed the same way by the generation's
identity. The web layer (:mod:`cdskg.web.pages.facttable`) reads them when a table has no
filter, the default sort and its first page, and queries the store otherwise.

The queries order as the live ones do (``DESC(?n) ?value``; ``DESC(?end) ?obs``), each scope
value's rows together, so a scope's first rows are the live query's with its ``LIMIT``
(``tests/test_aggregates.py`` compares every scope of the sample store).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyoxigraph as ox

from cdskg.rdf.namespaces import CDSKG, SDMX_DIMENSION, SDMX_MEASURE
from cdskg.store.query import run_query

SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"
#: The table's dimensions (as ``cdskg.web.pages.facttable.DIMS`` names them).
PREDICATES = {
    "indicator": CDSKG + "indicator",
    "area": SDMX_DIMENSION + "refArea",
    "period": SDMX_DIMENSION + "refPeriod",
    "role": CDSKG + "valueRole",
    "breakdown": CDSKG + "breakdown",
    "pillar": CDSKG + "pillar",
    "article": CDSKG + "sourceArticle",
}
#: The pages whose tables are prepared: "" is ``/facts``, the whole table.
SCOPES = ("", "pillar", "indicator", "area")
FACETS = ("indicator", "area", "period", "role", "breakdown", "pillar")
#: Values kept per facet (the pillar page lists 100 indicators, and one more says "more").
FACET_KEEP = 101
#: Rows kept of each table's first page, newest period first.
ROWS_KEEP = 50
TABLES_NAME = "tables.sqlite"

#: ``?p_``'s end date as ``?e``, each hop read DISTINCT (see facttable.PERIOD_END).
PERIOD_END = """  OPTIONAL { { SELECT DISTINCT ?p_ ?e WHERE { ?p_ time:inXSDDate ?e } } }
  OPTIONAL { { SELECT DISTINCT ?p_ ?x_ WHERE { ?p_ time:hasEnd ?x_ } }
             { SELECT DISTINCT ?x_ ?e WHERE { ?x_ time:inXSDDate ?e } } }
"""


def _scope_pattern(scope: str) -> tuple[str, str]:
    """The pattern binding ``?s`` to the scope's value, and the variable ("" for none)."""
    if not scope:
        return "", ""
    return f"?obs <{PREDICATES[scope]}> ?s .", "?s"


def _key(term: ox.NamedNode | ox.Literal | None) -> str:
    return "" if term is None else str(term)


def compute(store: ox.Store, out: Path) -> int:
    """Write the tables of every scope into the SQLite file ``out``; how many rows."""
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    db.execute(
        "CREATE TABLE facts (kind TEXT, scope TEXT, value TEXT, dim TEXT, pos INTEGER,"
        " term TEXT, n INTEGER)"
    )
    rows = 0
    for scope in SCOPES:
        pattern, s = _scope_pattern(scope)
        group = f"GROUP BY {s}" if s else ""
        q = (
            f"SELECT {s} (COUNT(DISTINCT ?obs) AS ?n)"
            f" WHERE {{ ?obs a qb:Observation . {pattern} }} {group}"
        )
        for r in run_query(store, q):
            db.execute(
                "INSERT INTO facts VALUES ('count', ?, ?, '', 0, '', ?)",
                (scope, _key(r["s"]) if s else "", int(r["n"].value)),
            )
            rows += 1
        for dim in FACETS:
            if dim == scope:
                continue
            q = (
                f"SELECT {s} ?value (COUNT(DISTINCT ?obs) AS ?n) WHERE {{ ?obs a qb:Observation ."
                f" {pattern} ?obs <{PREDICATES[dim]}> ?value }}"
                f" GROUP BY {s} ?value ORDER BY {s} DESC(?n) ?value"
            )
            rows += _insert_ranked(db, "facet", scope, dim, run_query(store, q), s, FACET_KEEP)
        q = (
            f"SELECT {s} ?obs (MAX(?e) AS ?end) WHERE {{ ?obs a qb:Observation . {pattern}\n"
            f"  ?obs <{SDMX_MEASURE}obsValue> ?v ; <{SDMX_DIMENSION}refPeriod> ?p_ .\n"
            f"{PERIOD_END}}} GROUP BY {s} ?obs ORDER BY {s} DESC(?end) ?obs"
        )
        rows += _insert_ranked(db, "rows", scope, "", run_query(store, q), s, ROWS_KEEP)
    db.execute("CREATE INDEX facts_key ON facts (kind, scope, value, dim, pos)")
    db.commit()
    db.close()
    partial.replace(out)
    return rows


def _insert_ranked(db, kind: str, scope: str, dim: str, result, s: str, keep: int) -> int:
    seen: dict[str, int] = {}
    batch = []
    for r in result:
        value = _key(r["s"]) if s else ""
        pos = seen.get(value, 0)
        if pos >= keep:
            continue
        seen[value] = pos + 1
        if kind == "facet":
            batch.append((kind, scope, value, dim, pos, _key(r["value"]), int(r["n"].value)))
        else:
            batch.append((kind, scope, value, dim, pos, _key(r["obs"]), 0))
    db.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
    return len(batch)


def _term(text: str) -> ox.NamedNode | ox.Literal:
    """A term from its N-Triples form, as :func:`_key` wrote it."""
    if text.startswith("<"):
        return ox.NamedNode(text[1:-1])
    quad = next(iter(ox.parse(f"<x:s> <x:p> {text} .", format=ox.RdfFormat.N_TRIPLES)))
    return quad.object


class Tables:
    """The prepared tables of one version, read from its SQLite file."""

    def __init__(self, path: Path):
        self.path = path

    def _rows(self, kind: str, scope: str, value: str, dim: str, limit: int) -> list | None:
        try:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        except sqlite3.Error:
            return None
        try:
            return db.execute(
                "SELECT term, n FROM facts WHERE kind = ? AND scope = ? AND value = ? AND dim = ?"
                " ORDER BY pos LIMIT ?",
                (kind, scope, value, dim, limit),
            ).fetchall()
        except sqlite3.Error:
            return None
        finally:
            db.close()

    def count(self, scope: str, value: ox.NamedNode | None) -> int | None:
        got = self._rows("count", scope, _key(value), "", 1)
        if got is None:
            return None
        return got[0][1] if got else 0

    def facet(self, scope: str, value, dim: str, limit: int) -> list | None:
        """``(term, count)`` as ``facttable.facet`` gives them; None when not kept so far."""
        if limit + 1 > FACET_KEEP:
            return None
        got = self._rows("facet", scope, _key(value), dim, limit + 1)
        return None if got is None else [(_term(t), n) for t, n in got]

    def first_rows(self, scope: str, value, size: int) -> list | None:
        if size > ROWS_KEEP:
            return None
        got = self._rows("rows", scope, _key(value), "", size)
        return None if got is None else [ox.NamedNode(t[1:-1]) for t, _n in got]


def open_tables(folder: Path | None) -> Tables | None:
    """The prepared tables in an answers folder, or None when they are not written (yet)."""
    if folder is None:
        return None
    path = folder / TABLES_NAME
    return Tables(path) if path.is_file() else None
