"""Running SPARQL queries against the store and serialising their results.

Results are serialised by pyoxigraph's own serialisers, into any binary file object
(:func:`write_result`), so the HTTP layer can spool large results to disk and stream them
while small ones stay in memory. The result-size limit costs nothing for small results: a
result is only counted (by pyoxigraph's parsers, natively) when its serialisation reaches
the limit times the fewest bytes a row or triple takes in its format (``_MIN_ROW_BYTES``).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from io import BytesIO
from typing import IO

import pyoxigraph as ox

from cdskg.errors import QueryError
from cdskg.rdf import formats
from cdskg.rdf.namespaces import PREFIXES

log = logging.getLogger("cdskg.store.query")

#: Result formats for SELECT/ASK, by short name: (pyoxigraph format, media type)
RESULT_FORMATS: dict[str, tuple[ox.QueryResultsFormat, str]] = {
    n: (f.results, f.media) for n, f in formats.RESULTS.items()
}
#: Graph formats for CONSTRUCT/DESCRIBE, by short name: (pyoxigraph format, media type)
GRAPH_FORMATS: dict[str, tuple[ox.RdfFormat, str]] = formats.rdf_view(*formats.RDF)

Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class ResultTooLarge(QueryError):
    """The result has more rows or triples than the configured limit."""


class ServiceRefused(QueryError):
    """The query calls a federated SERVICE and federation is disabled."""


@dataclass(frozen=True)
class QueryOutput:
    kind: str  # "solutions" | "boolean" | "graph"
    body: bytes
    media_type: str


class QueryTooComplex(QueryError):
    """The query nests deeper, or chains more alternatives, than this endpoint parses."""


#: Deepest nesting of ``{``, ``(`` and ``[`` a query may have. pyoxigraph's parser and
#: evaluator recurse once per level: 1,000 nested groups overflowed a 2 MiB thread stack
#: and killed the process (SIGSEGV), 300 did not; real queries nest a few levels.
MAX_NESTING = 128
#: Most ``UNION``, ``||`` and ``&&`` one query may hold: each makes one more level of a
#: binary tree that the same code recurses over (3,000 overflowed a 2 MiB stack, 1,000 did
#: not).
MAX_CHAIN = 1000

# The tokens that matter for the limits, scanned left to right. Escapes (``\#`` in a
# prefixed name), strings and comments are skipped whole; an IRI is group 1, since
# ``<`` may also be "less than": its brackets count as openings, never as closings, so no
# reading of it lowers the count below the parser's.
_SHAPE = re.compile(
    r"""\\.|"{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}"""
    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*"""
    r"""|(<[^<>"{}|^`\\\x00-\x20]*>)|([{(\[])|([})\]])|(\|\||&&|(?i:\bunion\b))""",
    re.DOTALL,
)


def check_shape(text: str, what: str = "query") -> None:
    """Refuse ``text`` if it nests deeper than :data:`MAX_NESTING` or chains more than
    :data:`MAX_CHAIN` alternatives, before any parser sees it. Small texts cost two
    ``str.count``-like passes; larger ones one regular-expression scan.

    >>> try:
    ...     check_shape("SELECT * { " + "{" * 200 + "}" * 200 + " }")
    ... except QueryTooComplex as exc:
    ...     print(str(exc).split(";")[0])
    the query nests 201 levels deep (groups, parentheses, brackets)
    >>> check_shape('SELECT * { ?s ?p "{{{{" } # ((((')

    :raises QueryTooComplex: naming the limit and how far the text goes past it.
    """
    if len(text) < 2 * MAX_CHAIN and sum(map(text.count, "{([")) <= MAX_NESTING:
        return
    depth = deepest = chain = 0
    for m in _SHAPE.finditer(text):
        iri, opening, closing, alternative = m.groups()
        if opening:
            depth += 1
            if depth > deepest:
                deepest = depth
        elif closing:
            depth = max(0, depth - 1)
        elif alternative:
            chain += 1
        elif iri:
            depth += iri.count("(") + iri.count("[")
            deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QueryTooComplex(
            f"the {what} nests {deepest} levels deep (groups, parentheses, brackets); this"
            f" endpoint parses at most {MAX_NESTING}: flatten it"
        )
    if chain > MAX_CHAIN:
        raise QueryTooComplex(
            f"the {what} holds {chain} UNION, || or && operators; this endpoint parses at"
            f" most {MAX_CHAIN}: use VALUES or IN (…) for long lists of alternatives"
        )


_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')

#: Where federation is off, queries are checked for SERVICE on an empty in-memory store.
_EMPTY = ox.Store()
_FETCHING_WORDS = {False: re.compile("service", re.I), True: re.compile("service|load", re.I)}
_RENAMED = re.compile("servicx|loax", re.I)


def uses_service(
    text: str,
    *,
    update: bool = False,
    prefixes: dict[str, str] | None = None,
    base_iri: str | None = None,
) -> str | None:
    r"""Why pyoxigraph's parser may read a SERVICE call (in an update, also a LOAD: both
    make the server fetch a URL) in ``text``, or None when it reads none.

    Every "service" (and "load") in the text, in strings, IRIs, names, comments or as the
    keyword, becomes "servicX" ("loaX"), which is no keyword, and the changed text is run
    on an empty in-memory store: if it parses, so does the original, with the same shape
    and no SERVICE in it. If it does not, the original either calls SERVICE or has a syntax
    error; either way it is refused, with the parser's message. The original text itself is
    never run here, and no lexical trick can hide the keyword: the parser decides.

    >>> uses_service("SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }") is not None
    True
    >>> uses_service('PREFIX ex: <http://e/> SELECT ?s { BIND(ex:a\\# AS ?z) '
    ...              'SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }') is not None
    True
    >>> print(uses_service('SELECT * { ?s <http://e/service> "SERVICE" } # SERVICE'))
    None
    """
    words = _FETCHING_WORDS[update]
    lowered = text.lower()
    if "service" not in lowered and not (update and "load" in lowered):
        return None
    changed = words.sub(lambda m: m.group()[:-1] + ("X" if m.group()[-1] == "e" else "x"), text)
    try:
        if update:
            ox.Store().update(changed, prefixes=prefixes, base_iri=base_iri)
        else:
            _EMPTY.query(changed, prefixes=prefixes, base_iri=base_iri)
    except SyntaxError as exc:
        found = _RENAMED.sub(
            lambda m: m.group()[:-1] + ("e" if m.group()[-2] in "cC" else "d"), str(exc)
        )
        return f"it calls SERVICE{' or LOAD' if update else ''}, or has a syntax error ({found})"
    except Exception:  # it parsed; failing on an empty store is no concern here
        return None
    return None


def run_query(
    store: ox.Store,
    query: str,
    *,
    substitutions: dict[ox.Variable, ox.NamedNode | ox.Literal] | None = None,
    default_graph: list[ox.NamedNode] | None = None,
    named_graphs: list[ox.NamedNode] | None = None,
    allow_service: bool = True,
    base_iri: str | None = None,
) -> Result:
    """Run ``query``; the default graph is the union of all graphs unless a dataset is given.

    As in the SPARQL 1.1 Protocol, naming only ``named_graphs`` leaves the default graph empty.

    :raises QueryError: syntax errors (with line:column), store read errors.
    :raises QueryTooComplex: a query nested or chained past what the parser survives.
    :raises ServiceRefused: a SERVICE call while ``allow_service`` is false.
    """
    check_shape(query)
    if not allow_service:
        why = uses_service(query, prefixes=PREFIXES if ":" in query else None, base_iri=base_iri)
        if why is not None:
            raise ServiceRefused(
                "federated SERVICE calls are disabled on this endpoint (set"
                f" CDSKG_ENABLE_SERVICE=1 to allow them); this query was refused: {why}"
            )
    if named_graphs is not None and default_graph is None:
        default_graph = []
    try:
        return store.query(
            query,
            # Outside IRIs, only prefixed names, blank node labels, strings and comments
            # have a colon; the 23 prefixes cost a third of a point lookup.
            prefixes=PREFIXES if ":" in _IRI.sub(" ", query) else None,
            base_iri=base_iri,
            use_default_graph_as_union=default_graph is None,
            default_graph=default_graph,
            named_graphs=named_graphs,
            substitutions=substitutions,
        )
    except SyntaxError as exc:
        raise QueryError(f"query syntax error: {exc}") from exc
    except (OSError, RuntimeError) as exc:
        # The message may quote what a SERVICE endpoint answered: it goes to the log only.
        log.error("query failed: %.2000s", exc)
        raise QueryError(
            "the query failed (a federated SERVICE call or a read of the store failed);"
            " the server's log has the cause"
        ) from exc


def result_kind(result: Result) -> str:
    """ "graph" for CONSTRUCT/DESCRIBE, "boolean" for ASK, "solutions" for SELECT."""
    if isinstance(result, ox.QueryTriples):
        return "graph"
    return "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"


def media_type(kind: str, fmt: str) -> str:
    table = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
    return table[fmt][1]


def write_result(
    result: Result, fmt: str | None, out: IO[bytes], *, max_results: int | None = None
) -> str:
    """Serialise ``result`` into ``out`` (seekable binary file); returns the media type.

    :raises QueryError: the format does not fit the result kind, or the evaluation failed.
    :raises ResultTooLarge: more than ``max_results`` rows or triples.
    """
    kind = result_kind(result)
    name = _format_name(kind, fmt)
    start = out.tell()
    try:
        if kind == "graph":
            rdf_format, media = GRAPH_FORMATS[name]
            result.serialize(out, format=rdf_format)
        else:
            results_format, media = RESULT_FORMATS[name]
            result.serialize(out, format=results_format)
    except ResultTooLarge:
        raise
    except (OSError, RuntimeError) as exc:
        # The message may quote what a SERVICE endpoint answered: it goes to the log only.
        log.error("query failed while evaluating: %.2000s", exc)
        raise QueryError(
            "the query failed while it was evaluated (a federated SERVICE call or a read of"
            " the store failed); the server's log has the cause"
        ) from exc
    end = out.tell()
    least = _MIN_ROW_BYTES[kind == "graph"][name]
    if kind != "boolean" and max_results is not None and end - start >= max_results * least:
        out.seek(start)
        count = _count(kind, name, out)
        if count > max_results:
            noun = "triples" if kind == "graph" else "rows"
            raise ResultTooLarge(
                f"the result has {count} {noun}, more than this endpoint's limit of"
                f" {max_results}; add LIMIT or narrow the query"
            )
        out.seek(end)
    return media


#: The fewest bytes one row (solutions) or triple (graphs) takes in each format, as
#: pyoxigraph writes them: an unbound row is ``{}`` in JSON, ``\r\n`` in CSV, ``\n`` in
#: TSV; a Turtle triple can be `` , 1`` in an object list. A result is counted (parsed
#: again) only when its size reaches limit × this, so results far below the limit are not.
_MIN_ROW_BYTES: tuple[dict[str, int], dict[str, int]] = (
    {"json": 2, "xml": 8, "csv": 2, "tsv": 1},
    {"ttl": 4, "trig": 4, "nt": 12, "nq": 12, "jsonld": 8, "xml": 10},
)


def _count(kind: str, name: str, data: IO[bytes]) -> int:
    if kind == "graph":
        return sum(1 for _ in ox.parse(data, format=GRAPH_FORMATS[name][0]))
    if name == "csv":  # lossy, so pyoxigraph does not parse it; rows may span lines
        text = io.TextIOWrapper(data, encoding="utf-8", newline="")
        try:
            return sum(1 for _ in csv.reader(text)) - 1
        finally:
            text.detach()
    return sum(1 for _ in ox.parse_query_results(data, format=RESULT_FORMATS[name][0]))


def _format_name(kind: str, fmt: str | None) -> str:
    if kind == "graph":
        name = fmt or "ttl"
        if name == "json":
            name = "jsonld"
        if name not in GRAPH_FORMATS:
            raise QueryError(
                f"format {fmt!r} is not offered for CONSTRUCT/DESCRIBE;"
                f" use one of {', '.join(GRAPH_FORMATS)}"
            )
        return name
    name = fmt or "json"
    if name not in RESULT_FORMATS:
        raise QueryError(
            f"format {fmt!r} is not offered for SELECT/ASK; use one of {', '.join(RESULT_FORMATS)}"
        )
    return name


def serialize(result: Result, fmt: str | None) -> QueryOutput:
    """Serialise a result in a named format (json/csv/tsv/xml or ttl/nt/jsonld/xml/…)."""
    out = BytesIO()
    media = write_result(result, fmt, out)
    return QueryOutput(result_kind(result), out.getvalue(), media)
