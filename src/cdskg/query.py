"""Running SPARQL queries against the store and serialising their results."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import pyoxigraph as ox

from cdskg.errors import QueryError
from cdskg.namespaces import PREFIXES

#: Result formats for SELECT/ASK, by short name: (pyoxigraph format, media type)
RESULT_FORMATS: dict[str, tuple[ox.QueryResultsFormat, str]] = {
    "json": (ox.QueryResultsFormat.JSON, "application/sparql-results+json"),
    "xml": (ox.QueryResultsFormat.XML, "application/sparql-results+xml"),
    "csv": (ox.QueryResultsFormat.CSV, "text/csv"),
    "tsv": (ox.QueryResultsFormat.TSV, "text/tab-separated-values"),
}
#: Graph formats for CONSTRUCT/DESCRIBE, by short name: (pyoxigraph format, media type)
GRAPH_FORMATS: dict[str, tuple[ox.RdfFormat, str]] = {
    "ttl": (ox.RdfFormat.TURTLE, "text/turtle"),
    "nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
    "xml": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
    "trig": (ox.RdfFormat.TRIG, "application/trig"),
    "nq": (ox.RdfFormat.N_QUADS, "application/n-quads"),
}


@dataclass(frozen=True)
class QueryOutput:
    kind: str  # "solutions" | "boolean" | "graph"
    body: bytes
    media_type: str


def run_query(
    store: ox.Store,
    query: str,
    *,
    substitutions: dict[ox.Variable, ox.NamedNode | ox.Literal] | None = None,
    default_graph: list[ox.NamedNode] | None = None,
    named_graphs: list[ox.NamedNode] | None = None,
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run ``query``; the default graph is the union of all graphs unless one is named."""
    try:
        return store.query(
            query,
            prefixes=PREFIXES,
            use_default_graph_as_union=default_graph is None,
            default_graph=default_graph,
            named_graphs=named_graphs,
            substitutions=substitutions,
        )
    except SyntaxError as exc:
        raise QueryError(f"query syntax error: {exc}") from exc
    except OSError as exc:
        raise QueryError(f"query failed while reading the store: {exc}") from exc


def serialize(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str | None
) -> QueryOutput:
    """Serialise a result in a named format (json/csv/tsv/xml or ttl/nt/jsonld/xml/…)."""
    if isinstance(result, ox.QueryTriples):
        name = fmt or "ttl"
        if name == "json":
            name = "jsonld"
        if name not in GRAPH_FORMATS:
            raise QueryError(
                f"format {fmt!r} is not offered for CONSTRUCT/DESCRIBE;"
                f" use one of {', '.join(GRAPH_FORMATS)}"
            )
        rdf_format, media = GRAPH_FORMATS[name]
        out = BytesIO()
        result.serialize(out, format=rdf_format)
        return QueryOutput("graph", out.getvalue(), media)
    name = fmt or "json"
    if name not in RESULT_FORMATS:
        raise QueryError(
            f"format {fmt!r} is not offered for SELECT/ASK; use one of {', '.join(RESULT_FORMATS)}"
        )
    results_format, media = RESULT_FORMATS[name]
    kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
    body = result.serialize(format=results_format)
    assert body is not None
    return QueryOutput(kind, body, media)
