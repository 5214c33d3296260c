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
import re
from dataclasses import dataclass
from io import BytesIO
from typing import IO

import pyoxigraph as ox

from cdskg.errors import QueryError
from cdskg.rdf import formats
from cdskg.rdf.namespaces import PREFIXES

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


# Strings, IRIs and comments, whose content must not be mistaken for keywords.
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n]*",
    re.DOTALL,
)
_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_SERVICE = re.compile(r"(?<![\w:?$\-])SERVICE(?![\w:\-])", re.IGNORECASE)


def uses_service(query: str) -> bool:
    """Whether ``query`` contains the SERVICE keyword (outside strings, IRIs and comments).

    >>> uses_service('SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }')
    True
    >>> uses_service('SELECT * { ?s ex:service "SERVICE" } # SERVICE')
    False
    """
    return bool(_SERVICE.search(_OPAQUE.sub(" ", query)))


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
    :raises ServiceRefused: a SERVICE call while ``allow_service`` is false.
    """
    # The SERVICE check needs strings, IRIs and comments out of the way; a query without
    # the word at all (nearly all) skips that.
    if (
        not allow_service
        and "service" in query.lower()
        and _SERVICE.search(_OPAQUE.sub(" ", query))
    ):
        raise ServiceRefused(
            "federated SERVICE calls are disabled on this endpoint"
            " (set CDSKG_ENABLE_SERVICE=1 to allow them)"
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
    except OSError as exc:
        raise QueryError(f"query failed while reading the store: {exc}") from exc


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
    except OSError as exc:
        raise QueryError(f"query failed while evaluating: {exc}") from exc
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
