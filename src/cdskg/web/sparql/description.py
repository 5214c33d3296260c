"""The SPARQL 1.1 Service Description of ``/sparql`` (for RDF clients) or the query page
(for browsers), answered to a GET without a query."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Response, render_template, request

from cdskg.rdf.namespaces import RDF, RDFS, SD
from cdskg.store.query import GRAPH_FORMATS
from cdskg.web.context import settings, store
from cdskg.web.negotiation import GRAPH_TYPES, best
from cdskg.web.sparql.answers import _304, _etag, _not_acceptable, _not_modified, _send, _spool
from cdskg.web.sparql.flaskio import _base_url, _endpoint_iri, _exchange, _response

HTML_TYPES = ("text/html", "application/xhtml+xml")
FORMATS_NS = "http://www.w3.org/ns/formats/"


def _service_description() -> Response:
    accept = request.headers.get("Accept")
    offers = [*GRAPH_TYPES, *HTML_TYPES]
    media = best(accept, offers)
    if media is None:
        raise _not_acceptable(offers)
    if media in HTML_TYPES:
        return Response(render_template("sparql.html"), mimetype="text/html")
    st, version = store()
    name = GRAPH_TYPES[media]
    rdf_format, canonical = GRAPH_FORMATS[name]
    etag = _etag(version, ("sd", _endpoint_iri(), canonical))
    ex = _exchange()
    if _not_modified(ex.if_none_match, etag):
        return _response(_304(etag, version))
    out = _spool()
    ox.serialize(_description(st), out, rdf_format, prefixes={"sd": SD, "formats": FORMATS_NS})
    return _response(_send(out, canonical, version, etag, ex, cache=None))


def _description(st: ox.Store) -> list[ox.Triple]:
    cfg = settings()
    endpoint = ox.NamedNode(_endpoint_iri())
    sd = lambda local: ox.NamedNode(SD + local)  # noqa: E731
    rdf_type = ox.NamedNode(RDF + "type")
    triples = [
        ox.Triple(endpoint, rdf_type, sd("Service")),
        ox.Triple(endpoint, sd("endpoint"), endpoint),
        ox.Triple(endpoint, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(endpoint, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(
            endpoint,
            sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
    ]
    if cfg.enable_update:
        triples.append(ox.Triple(endpoint, sd("supportedLanguage"), sd("SPARQL11Update")))
    if cfg.enable_service:
        triples.append(ox.Triple(endpoint, sd("feature"), sd("BasicFederatedQuery")))
    for local in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
        "TriG",
        "N-Quads",
    ):
        triples.append(ox.Triple(endpoint, sd("resultFormat"), ox.NamedNode(FORMATS_NS + local)))
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("union")
    triples += [
        ox.Triple(endpoint, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, rdf_type, sd("Graph")),
        ox.Triple(
            default,
            ox.NamedNode(RDFS + "comment"),
            ox.Literal("The union of all named graphs (articles, reference data, build metadata)."),
        ),
    ]
    base = _base_url()
    triples.append(ox.Triple(dataset, ox.NamedNode(RDFS + "seeAlso"), ox.NamedNode(base + "/void")))
    for i, graph in enumerate(sorted(st.named_graphs(), key=str)):
        if not isinstance(graph, ox.NamedNode):
            continue
        named = ox.BlankNode(f"g{i}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, rdf_type, sd("NamedGraph")),
            ox.Triple(named, sd("name"), graph),
        ]
    return triples
