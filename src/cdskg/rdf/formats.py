"""The one table of the formats cdskg reads and writes: short name, media type, pyoxigraph
format, human name. Content negotiation, exports, downloads and pages take their own views of
it (the subsets they offer), never a table of their own."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class RdfFormat:
    name: str
    media: str
    rdf: ox.RdfFormat
    label: str
    #: Other media types clients send for it (accepted, never answered with).
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResultsFormat:
    name: str
    media: str
    results: ox.QueryResultsFormat
    label: str
    aliases: tuple[str, ...] = ()


#: RDF graph and dataset formats, best first (content negotiation prefers the first).
RDF: dict[str, RdfFormat] = {
    f.name: f
    for f in (
        RdfFormat("ttl", "text/turtle", ox.RdfFormat.TURTLE, "Turtle", ("application/x-turtle",)),
        RdfFormat(
            "nt", "application/n-triples", ox.RdfFormat.N_TRIPLES, "N-Triples", ("text/plain",)
        ),
        RdfFormat(
            "jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, "JSON-LD", ("application/json",)
        ),
        RdfFormat(
            "xml", "application/rdf+xml", ox.RdfFormat.RDF_XML, "RDF/XML", ("application/xml",)
        ),
        RdfFormat("trig", "application/trig", ox.RdfFormat.TRIG, "TriG"),
        RdfFormat("nq", "application/n-quads", ox.RdfFormat.N_QUADS, "N-Quads"),
    )
}

#: SPARQL results formats for SELECT and ASK.
RESULTS: dict[str, ResultsFormat] = {
    f.name: f
    for f in (
        ResultsFormat(
            "json",
            "application/sparql-results+json",
            ox.QueryResultsFormat.JSON,
            "SPARQL JSON",
            ("application/json",),
        ),
        ResultsFormat(
            "xml",
            "application/sparql-results+xml",
            ox.QueryResultsFormat.XML,
            "SPARQL XML",
            ("application/xml", "text/xml"),
        ),
        ResultsFormat("csv", "text/csv", ox.QueryResultsFormat.CSV, "CSV"),
        ResultsFormat("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV, "TSV"),
    )
}

#: Media type of a file format cdskg writes that is neither (the observations' CSV export).
CSV_MEDIA = RESULTS["csv"].media


def rdf_view(*names: str) -> dict[str, tuple[ox.RdfFormat, str]]:
    """name -> (pyoxigraph format, media type) for the named RDF formats, in table order."""
    return {n: (f.rdf, f.media) for n, f in RDF.items() if n in names}


def media_to_name(table: dict[str, RdfFormat] | dict[str, ResultsFormat], *names: str) -> dict:
    """media type (and aliases) -> name, main types first, for the named formats of ``table``
    (all when none is named)."""
    chosen = [f for n, f in table.items() if not names or n in names]
    out = {f.media: f.name for f in chosen}
    for f in chosen:
        for alias in f.aliases:
            out.setdefault(alias, f.name)
    return out
