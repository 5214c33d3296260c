"""Real SPARQL clients against a real `cdskg serve`: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import pytest
import rdflib

SPARQLWrapper = pytest.importorskip("SPARQLWrapper")
# SPARQLWrapper converts RDF results with rdflib's deprecated ConjunctiveGraph
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

OBS = "http://purl.org/linked-data/cube#Observation"
ARTICLES = "SELECT ?a WHERE { ?a a <https://schema.org/NewsArticle> } ORDER BY ?a"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(server: str, method: str) -> None:
    sw = SPARQLWrapper.SPARQLWrapper(server + "/sparql")
    sw.setMethod(method)
    sw.setQuery(ARTICLES)
    sw.setReturnFormat(SPARQLWrapper.JSON)
    rows = sw.queryAndConvert()["results"]["bindings"]
    assert len(rows) == 5


@pytest.mark.parametrize("fmt", ["XML", "CSV", "TSV"])
def test_sparqlwrapper_select_other_formats(server: str, fmt: str) -> None:
    sw = SPARQLWrapper.SPARQLWrapper(server + "/sparql")
    sw.setQuery(ARTICLES)
    sw.setReturnFormat(getattr(SPARQLWrapper, fmt))
    result = sw.query()
    assert result.response.status == 200
    body = result.convert()
    assert body is not None


def test_sparqlwrapper_ask_and_construct(server: str) -> None:
    sw = SPARQLWrapper.SPARQLWrapper(server + "/sparql")
    sw.setQuery(f"ASK {{ ?o a <{OBS}> }}")
    sw.setReturnFormat(SPARQLWrapper.JSON)
    assert sw.queryAndConvert()["boolean"] is True
    for fmt in (SPARQLWrapper.TURTLE, SPARQLWrapper.XML, SPARQLWrapper.JSONLD):
        sw = SPARQLWrapper.SPARQLWrapper(server + "/sparql")
        sw.setQuery(f"CONSTRUCT {{ ?o a <{OBS}> }} WHERE {{ ?o a <{OBS}> }}")
        sw.setReturnFormat(fmt)
        result = sw.queryAndConvert()
        graph = result if isinstance(result, rdflib.Graph) else rdflib.Graph().parse(data=result)
        assert len(graph) > 50, fmt


def test_sparqlwrapper_bad_query(server: str) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    sw = SPARQLWrapper.SPARQLWrapper(server + "/sparql")
    sw.setQuery("SELECT * WHERE {")
    with pytest.raises(QueryBadFormed):
        sw.query()


def test_rdflib_sparqlstore(server: str) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(server + "/sparql", returnFormat="json")
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(ARTICLES))
    assert len(rows) == 5
    obs = rdflib.URIRef(OBS)
    some = list(graph.triples((None, rdflib.RDF.type, obs)))
    assert len(some) > 50
    assert graph.query(f"ASK {{ ?o a <{OBS}> }}").askAnswer is True
