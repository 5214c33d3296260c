"""The search index of one store version: names, indicator labels and evidence sentences.

Made once per store version by the preparer (:mod:`cdskg.publish.prepare`), beside that
version's download files, and read by ``/search``: a request looks words up in the index
instead of scanning the store's labels and sentences. The index is an SQLite FTS5 table
(SQLite ships with Python) over text folded by :func:`cdskg.text.fold.fold`, so "binh thuy
dich vu cong" finds what "Bình Thủy dịch vụ công" finds. ``benchmarks/bench_search.py``
measured it against an inverted index of our own (Python dicts of posting arrays) on
~100k observations: FTS5 answers within a few milliseconds without loading anything into
a worker, where our own index costs each worker seconds to load and tens of MB to hold.

A document is one of:

* ``name``: a thing with labels (administrative unit, article, person, organisation,
  platform, legal document…), its labels joined; searched also by its parent unit's name;
* ``indicator``: an indicator or pillar and its labels (preferred and alternative);
* ``sentence``: the sentence an observation was read from (its evidence), searched also by
  the names of its area and indicator and its article's title, so "Bình Thủy dịch vụ công"
  finds sentences on public services stated for quận Bình Thủy.

>>> tokens("Bình Thủy – dịch vụ công!")
['binh', 'thuy', 'dich', 'vu', 'cong']
>>> highlight("Quận Bình Thủy đạt 81%", ["binh", "thuy"])
[(5, 9), (10, 14)]
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cdskg.rdf import iri as iris
from cdskg.rdf.namespaces import CDSKG, sparql_prologue
from cdskg.text.fold import fold

#: The index file in a version's folder (see :func:`cdskg.publish.prepare.downloads_root`).
INDEX_NAME = "search.sqlite"
#: Bumped when the layout of the file changes: an index of another layout is rebuilt.
LAYOUT = 3
#: Most words of a query that are looked up (the rest are ignored).
MAX_WORDS = 12
#: Weights of the kinds of document, multiplied into bm25: a name or an indicator that
#: matches outranks a sentence that merely mentions it.
KIND_WEIGHT = {"name": 3.0, "indicator": 3.0, "sentence": 1.0}
#: bm25 weights of the two searched columns: the shown text, then the context.
COLUMN_WEIGHTS = (4.0, 1.0)

#: Between the labels of one thing in its document.
LABEL_SEPARATOR = " · "
#: A word no text has, indexed between two labels: it breaks phrases.
BREAK = "x0x"

_WORD = re.compile(r"\w+")
_INDICATOR_TYPES = {CDSKG + "Indicator", CDSKG + "Pillar"}
# Observations are found through their sentences; build runs and the ontology's own terms
# are not what people look for.
_NOT_NAMES = (iris.ID + "obs/", iris.ID + "evidence/", iris.ID + "build/", iris.ID + "graph/")


def tokens(text: str) -> list[str]:
    """The folded words of ``text``, as they are indexed and looked up."""
    return _WORD.findall(fold(text))


def highlight(text: str, words: Iterable[str], prefix: str | None = None) -> list[tuple[int, int]]:
    """Spans of ``text`` whose folded words are in ``words`` (or start with ``prefix``, the
    word being typed). Folding keeps the length of NFC text, so spans carry over; text whose
    folded form differs in length gets no spans rather than wrong ones."""
    folded = fold(text)
    if len(folded) != len(text):
        return []
    wanted = set(words)
    return [
        m.span()
        for m in _WORD.finditer(folded)
        if m.group() in wanted or (prefix and m.group().startswith(prefix))
    ]


@dataclass(frozen=True)
class Document:
    kind: str  # name | indicator | sentence
    iri: str  # what the hit links to: the thing, or the sentence's first observation
    title: str  # what the hit is called: the thing's label, or the article's title
    text: str  # shown and highlighted: the labels, or the sentence
    context: str  # searched, not shown: parent unit; the sentence's area, indicator, title
    facts: int = 0  # observations of the thing (ranks places with data first)
    extra: dict[str, object] = field(default_factory=dict)


def _rows(store: ox.Store, query: str) -> Iterator[ox.QuerySolution]:
    yield from store.query(sparql_prologue() + query, use_default_graph_as_union=True)  # type: ignore[misc]


def documents(store: ox.Store) -> list[Document]:
    """Every document of the store's current content."""
    labels: dict[str, dict[str, str]] = {}  # IRI → language → its best label
    all_labels: dict[str, list[str]] = {}
    for r in _rows(
        store,
        """SELECT ?s ?l ?rank WHERE {
             { ?s skos:prefLabel ?l BIND(0 AS ?rank) } UNION { ?s rdfs:label ?l BIND(1 AS ?rank) }
             UNION { ?s schema:headline ?l BIND(2 AS ?rank) }
             UNION { ?s foaf:name ?l BIND(3 AS ?rank) }
             UNION { ?s skos:altLabel ?l BIND(4 AS ?rank) }
             FILTER(isIRI(?s) && STRSTARTS(STR(?s), "https://w3id.org/cdskg/"))
           } ORDER BY ?rank""",
    ):
        s, lit = r["s"].value, r["l"]
        assert isinstance(lit, ox.Literal)
        labels.setdefault(s, {}).setdefault(lit.language or "", lit.value)
        names = all_labels.setdefault(s, [])
        if lit.value not in names:
            names.append(lit.value)
    types: dict[str, set[str]] = {}
    for r in _rows(store, "SELECT DISTINCT ?s ?t WHERE { ?s a ?t }"):
        if r["s"].value in all_labels:
            types.setdefault(r["s"].value, set()).add(r["t"].value)
    parents = {
        r["s"].value: r["p"].value
        for r in _rows(store, "SELECT ?s ?p WHERE { ?s cdskg:parentUnit ?p }")
    }
    facts: dict[str, int] = {}
    for r in _rows(
        store,
        """SELECT ?s (COUNT(DISTINCT ?o) AS ?n) WHERE {
             { ?o sdmx-dimension:refArea ?s } UNION { ?o cdskg:indicator ?s }
             UNION { ?o cdskg:pillar ?s } UNION { ?o cdskg:sourceArticle ?s }
           } GROUP BY ?s""",
    ):
        facts[r["s"].value] = int(r["n"].value)

    def vi(iri: str) -> str:
        found = labels.get(iri, {})
        return found.get("vi") or found.get("") or next(iter(found.values()), iri)

    docs: list[Document] = []
    for s, names in sorted(all_labels.items()):
        if s.startswith(_NOT_NAMES) or s.startswith(CDSKG):
            continue
        kind = "indicator" if types.get(s, set()) & _INDICATOR_TYPES else "name"
        first = vi(s)
        ordered = [first, *(n for n in names if n != first)]
        parent = parents.get(s)
        extra: dict[str, object] = {"types": sorted(types.get(s, ()))}
        if parent:
            extra["parent"] = parent
        docs.append(
            Document(
                kind=kind,
                iri=s,
                title=first,
                text=LABEL_SEPARATOR.join(ordered),
                context=vi(parent) if parent else "",
                facts=facts.get(s, 0),
                extra=extra,
            )
        )
    docs.extend(_sentences(store, vi))
    return docs


def _sentences(store: ox.Store, vi) -> list[Document]:
    """One document per evidence sentence, with the observations read from it."""
    found: dict[str, dict[str, object]] = {}
    for r in _rows(
        store,
        """SELECT ?e ?exact ?o ?area ?indicator ?article WHERE {
             ?o cdskg:evidence|cdskg:additionalEvidence ?e .
             ?e oa:hasSelector ?sel . ?sel a oa:TextQuoteSelector ; oa:exact ?exact .
             ?o sdmx-dimension:refArea ?area ; cdskg:indicator ?indicator ;
                cdskg:sourceArticle ?article .
           }""",
    ):
        e = r["e"].value
        entry = found.setdefault(
            e,
            {
                "text": r["exact"].value,
                "article": r["article"].value,
                "observations": [],
                "areas": [],
                "indicators": [],
            },
        )
        for key, var in (("observations", "o"), ("areas", "area"), ("indicators", "indicator")):
            values = entry[key]
            assert isinstance(values, list)
            if r[var].value not in values:
                values.append(r[var].value)
    docs = []
    for e, entry in sorted(found.items()):
        observations = sorted(entry["observations"])  # type: ignore[arg-type]
        areas: list[str] = entry["areas"]  # type: ignore[assignment]
        indicators: list[str] = entry["indicators"]  # type: ignore[assignment]
        article = str(entry["article"])
        names = [*(vi(a) for a in areas), *(vi(i) for i in indicators), vi(article)]
        context = LABEL_SEPARATOR.join(names)
        docs.append(
            Document(
                kind="sentence",
                iri=observations[0],
                title=vi(article),
                text=str(entry["text"]),
                context=context,
                extra={
                    "evidence": e,
                    "article": article,
                    "observations": observations,
                    "areas": areas,
                    "indicators": indicators,
                },
            )
        )
    return docs


def build(store: ox.Store, path: Path) -> int:
    """Write the index of ``store`` to ``path`` (replaced atomically); the document count."""
    return write(documents(store), path)


def _indexed(text: str) -> str:
    """The folded words of ``text`` as the index gets them: labels joined by
    :data:`LABEL_SEPARATOR` are kept apart by :data:`BREAK`, so that a phrase never runs
    from one label into the next ("Xã Thụy Bình · Thụy Bình" is not "binh thuy")."""
    return f" {BREAK} ".join(" ".join(tokens(part)) for part in text.split(LABEL_SEPARATOR))


def write(docs: list[Document], path: Path) -> int:
    """Write the index of ``docs`` to ``path`` (replaced atomically); the document count.

    Three tables, so that ranking every match reads only what it needs: ``words``, the FTS5
    index of the folded text and context (contentless: it keeps no copy of the text);
    ``boost``, each document's weight (kind and facts), a small row per document, read for
    every match; ``docs``, what a hit shows, read for the hits of one page only.
    """
    tmp = path.with_name(path.name + ".partial")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript(
            f"""PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            PRAGMA user_version = {LAYOUT};
            CREATE VIRTUAL TABLE words USING fts5(
                folded, context, content = '', prefix = '1 2 3',
                tokenize = "unicode61 remove_diacritics 0"
            );
            CREATE TABLE boost (id INTEGER PRIMARY KEY, weight REAL NOT NULL);
            CREATE TABLE docs (
                id INTEGER PRIMARY KEY, kind TEXT, iri TEXT, title TEXT, shown TEXT, extra TEXT
            );"""
        )
        for i, d in enumerate(docs, start=1):
            db.execute(
                "INSERT INTO words(rowid, folded, context) VALUES (?, ?, ?)",
                (i, _indexed(d.text), _indexed(d.context)),
            )
        db.executemany(
            "INSERT INTO boost VALUES (?, ?)",
            (
                (i, KIND_WEIGHT[d.kind] * (1.0 + 0.25 * math.log1p(d.facts)))
                for i, d in enumerate(docs, start=1)
            ),
        )
        db.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    i,
                    d.kind,
                    d.iri,
                    d.title,
                    d.text,
                    json.dumps({**d.extra, "facts": d.facts}, ensure_ascii=False),
                )
                for i, d in enumerate(docs, start=1)
            ),
        )
        db.execute("INSERT INTO words(words) VALUES ('optimize')")
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)
    return len(docs)


def is_ready(path: Path) -> bool:
    """Whether ``path`` holds an index of the current layout."""
    if not path.exists():
        return False
    try:
        db = _open(path)
    except sqlite3.Error:
        return False
    try:
        return db.execute("PRAGMA user_version").fetchone()[0] == LAYOUT
    finally:
        db.close()


def _open(path: Path) -> sqlite3.Connection:
    # immutable: the file never changes once renamed into place, so SQLite takes no locks
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


@dataclass(frozen=True)
class Hit:
    kind: str
    iri: str
    title: str
    text: str
    spans: list[tuple[int, int]]
    score: float
    extra: dict[str, object]


@dataclass(frozen=True)
class Results:
    words: list[str]
    total: int
    hits: list[Hit]


def match_expression(words: list[str]) -> str:
    """The FTS5 query: every word, the last one as a prefix (it may be half-typed).

    >>> match_expression(["binh", "thu"])
    '"binh" AND "thu"*'
    """
    *done, last = words
    return " AND ".join([*(f'"{w}"' for w in done), f'"{last}"*'])


def _matching_labels(joined: str, words: list[str]) -> str:
    """Of a thing's labels (joined by " · "), those in which a word of the query is found,
    the best first: what its hit shows."""
    labels = joined.split(LABEL_SEPARATOR)
    scored = [(len(highlight(lb, words, prefix=words[-1])), -i, lb) for i, lb in enumerate(labels)]
    shown = [lb for n, _i, lb in sorted(scored, reverse=True) if n][:3]
    return LABEL_SEPARATOR.join(shown or labels[:1])


def phrase_expression(words: list[str]) -> str:
    """The FTS5 query for the words in their order, next to each other (the last a prefix).

    >>> phrase_expression(["binh", "thu"])
    '"binh thu"*'
    """
    return '"' + " ".join(words) + '"*'


def _ranked(db: sqlite3.Connection, expr: str, limit: int, offset: int) -> list[tuple]:
    if limit <= 0:
        return []
    return db.execute(
        f"""SELECT words.rowid,
                   bm25(words, {COLUMN_WEIGHTS[0]}, {COLUMN_WEIGHTS[1]}) * boost.weight AS score
            FROM words JOIN boost ON boost.id = words.rowid
            WHERE words MATCH ? ORDER BY score, words.rowid LIMIT ? OFFSET ?""",
        (expr, limit, offset),
    ).fetchall()


def _count(db: sqlite3.Connection, expr: str) -> int:
    return db.execute("SELECT count(*) FROM words WHERE words MATCH ?", (expr,)).fetchone()[0]


def search(path: Path, q: str, *, limit: int = 20, offset: int = 0) -> Results:
    """The documents matching every word of ``q`` (folded), best first: first those where
    the words stand as in ``q`` (a phrase: "binh thuy" before "Thụy Bình"), then the others,
    each by bm25 and the document's weight."""
    words = tokens(q)[:MAX_WORDS]
    if not words:
        return Results([], 0, [])
    every = match_expression(words)
    db = _open(path)
    try:
        if len(words) == 1:
            total = _count(db, every)
            ranked = _ranked(db, every, limit, offset)
        else:
            phrase = phrase_expression(words)
            rest = f"({every}) NOT {phrase}"
            first = _count(db, phrase)
            total = first + _count(db, rest)
            ranked = _ranked(db, phrase, min(limit, first - offset), offset)
            ranked += _ranked(db, rest, limit - len(ranked), max(0, offset - first))
        details = {
            row[0]: row[1:]
            for row in db.execute(
                "SELECT id, kind, iri, title, shown, extra FROM docs WHERE id IN"
                f" ({', '.join('?' * len(ranked))})",
                [i for i, _score in ranked],
            )
        }
    finally:
        db.close()
    rows = [(*details[i], score) for i, score in ranked]
    hits = []
    for kind, iri, title, shown, extra, score in rows:
        if kind != "sentence":
            shown = _matching_labels(shown, words)
        spans = highlight(shown, words, prefix=words[-1])
        hits.append(Hit(kind, iri, title, shown, spans, -score, json.loads(extra)))
    return Results(words, total, hits)
