"""The W3C SPARQL 1.1 Protocol test cases that apply to a read-only endpoint, against a real
`cdskg serve` process, plus content negotiation, the Service Description, Graph Store read
access, CORS, gzip and conditional requests.

Test names follow the protocol test suite (data-sparql11/protocol/manifest.ttl); the
suite's example graphs are replaced by the article graphs of the built store.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote_plus

import pyoxigraph as ox
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from cdskg.web.sparql import form_pairs

T = 30
QUERY = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"
JSON = "application/sparql-results+json"


def ask(resp: requests.Response) -> bool:
    assert resp.status_code == 200, resp.text
    return resp.json()["boolean"]


@pytest.fixture(scope="module")
def articles(server: str) -> list[str]:
    r = requests.get(
        server + "/sparql",
        params={"query": "SELECT ?a WHERE { ?a a schema:NewsArticle } ORDER BY ?a"},
        timeout=T,
    )
    names = [b["a"]["value"] for b in r.json()["results"]["bindings"]]
    assert len(names) == 5
    return names


def post_direct(server: str, query: str, params=None, **headers) -> requests.Response:
    return requests.post(
        server + "/sparql",
        params=params,
        data=query.encode("utf-8"),
        headers={"Content-Type": QUERY, **headers},
        timeout=T,
    )


# ------------------------------------------------------------ positive cases of the suite


def test_query_get(server: str) -> None:
    r = requests.get(server + "/sparql", params={"query": "ASK {}"}, timeout=T)
    assert r.headers["Content-Type"].startswith(JSON)
    assert ask(r) is True


def test_query_post_form(server: str) -> None:
    r = requests.post(server + "/sparql", data={"query": "ASK {}"}, timeout=T)
    assert ask(r) is True


def test_query_post_direct(server: str) -> None:
    assert ask(post_direct(server, "ASK {}")) is True


def test_query_dataset_default_graph(server: str, articles: list[str]) -> None:
    a1, a2 = articles[:2]
    q = f"ASK {{ <{a1}> ?p ?o }}"
    assert ask(post_direct(server, q, {"default-graph-uri": a1})) is True
    assert ask(post_direct(server, q, {"default-graph-uri": a2})) is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_query_dataset_default_graphs(server: str, articles: list[str], method: str) -> None:
    a1, a2, a3 = articles[:3]
    q = f"ASK {{ <{a1}> ?p ?o . <{a2}> ?p2 ?o2 }}"
    params = {"default-graph-uri": [a1, a2]}
    if method == "get":
        r = requests.get(server + "/sparql", params={"query": q, **params}, timeout=T)
    else:
        r = post_direct(server, q, params)
    assert ask(r) is True
    assert ask(post_direct(server, q, {"default-graph-uri": [a1, a3]})) is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_query_dataset_named_graphs(server: str, articles: list[str], method: str) -> None:
    a1, a2 = articles[:2]
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    params = {"named-graph-uri": [a1, a2]}
    if method == "get":
        r = requests.get(server + "/sparql", params={"query": q, **params}, timeout=T)
    else:
        r = requests.post(server + "/sparql", data={"query": q, **params}, timeout=T)
    assert {b["g"]["value"] for b in r.json()["results"]["bindings"]} == {a1, a2}
    # Naming only named graphs leaves the default graph empty (as the protocol says).
    assert ask(post_direct(server, "ASK { ?s ?p ?o }", params)) is False


def test_query_dataset_full(server: str, articles: list[str]) -> None:
    a1, a2, a3 = articles[:3]
    q = "SELECT DISTINCT ?g ?x WHERE { ?x ?y ?o . GRAPH ?g { ?s ?p ?o2 } }"
    r = post_direct(server, q, {"default-graph-uri": a3, "named-graph-uri": [a1, a2]})
    rows = r.json()["results"]["bindings"]
    assert {b["g"]["value"] for b in rows} == {a1, a2}
    assert a3 in {b["x"]["value"] for b in rows}


def test_query_multiple_dataset(server: str, articles: list[str]) -> None:
    """The protocol's dataset wins over FROM in the query."""
    a1, a2 = articles[:2]
    q = f"ASK FROM <{a1}> {{ <{a1}> ?p ?o }}"
    assert ask(post_direct(server, q)) is True
    assert ask(post_direct(server, q, {"default-graph-uri": a2})) is False


def test_query_content_type_select(server: str) -> None:
    r = post_direct(server, "SELECT (1 AS ?value) {}")
    assert r.headers["Content-Type"].split(";")[0] in {
        JSON,
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    }
    assert r.json()["results"]["bindings"][0]["value"]["value"] == "1"


def test_query_content_type_ask(server: str) -> None:
    r = post_direct(server, "ASK {}")
    assert r.headers["Content-Type"].split(";")[0] in {JSON, "application/sparql-results+xml"}


@pytest.mark.parametrize(
    "query",
    ["DESCRIBE <http://example.org/>", "CONSTRUCT { <s> <p> 1 } WHERE {}"],
    ids=["describe", "construct"],
)
def test_query_content_type_graph(server: str, query: str) -> None:
    r = post_direct(server, query)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] in {
        "text/turtle",
        "application/rdf+xml",
        "application/n-triples",
    }


def test_query_base_iri_is_the_endpoint(server: str) -> None:
    r = post_direct(server, "CONSTRUCT { <s> <p> 1 } WHERE {}", Accept="application/n-triples")
    assert f"<{server}/s>" in r.text


# ------------------------------------------------------------ negative cases of the suite


def test_bad_query_method(server: str) -> None:
    r = requests.put(server + "/sparql", params={"query": "ASK {}"}, timeout=T)
    assert r.status_code == 405
    assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_bad_multiple_queries(server: str) -> None:
    r = requests.get(server + "/sparql", params={"query": ["ASK {}", "SELECT * {}"]}, timeout=T)
    assert r.status_code == 400 and "one query" in r.json()["detail"]


def test_bad_query_wrong_media_type(server: str) -> None:
    r = requests.post(
        server + "/sparql", data=b"ASK {}", headers={"Content-Type": "text/plain"}, timeout=T
    )
    assert r.status_code == 415
    assert QUERY in r.json()["detail"]


def test_bad_query_missing_form_type(server: str) -> None:
    r = requests.post(server + "/sparql", data=b"query=ASK%20%7B%7D", timeout=T)
    assert r.status_code == 400 and "Content-Type" in r.json()["detail"]


def test_bad_query_missing_direct_type(server: str) -> None:
    r = requests.post(server + "/sparql", data=b"ASK {}", timeout=T)
    assert r.status_code == 400


def test_bad_query_non_utf8(server: str) -> None:
    r = requests.post(
        server + "/sparql",
        data="ASK {}".encode("utf-16"),
        headers={"Content-Type": QUERY + "; charset=UTF-16"},
        timeout=T,
    )
    assert r.status_code == 400 and "UTF-8" in r.json()["detail"]
    r = requests.post(
        server + "/sparql", data="ASK {}".encode("utf-16"), headers={"Content-Type": QUERY}
    )
    assert r.status_code == 400 and "UTF-8" in r.json()["detail"]


def test_bad_query_syntax(server: str) -> None:
    r = requests.get(server + "/sparql", params={"query": "ASK {"}, timeout=T)
    body = r.json()
    assert r.status_code == 400 and body["error"] == "bad query"
    assert "1:6" in body["detail"]  # line:column of the parser


def test_bad_query_syntax_position_on_later_line(server: str) -> None:
    r = post_direct(server, "SELECT * WHERE {\n  ?s ?p\n}")
    assert r.status_code == 400 and "at 3:" in r.json()["detail"]


def test_bad_update_get(server: str) -> None:
    r = requests.get(server + "/sparql", params={"update": "CLEAR ALL"}, timeout=T)
    assert r.status_code == 400 and "POST" in r.json()["detail"]


def test_bad_multiple_updates(server: str) -> None:
    r = requests.post(
        server + "/sparql", data={"update": ["CLEAR NAMED", "CLEAR DEFAULT"]}, timeout=T
    )
    assert r.status_code == 400


def test_bad_update_wrong_media_type(server: str) -> None:
    r = requests.post(
        server + "/sparql", data=b"CLEAR NAMED", headers={"Content-Type": "text/plain"}, timeout=T
    )
    assert r.status_code == 415


def test_update_refused_on_read_only_endpoint(server: str) -> None:
    r = requests.post(
        server + "/sparql",
        data=b"CLEAR ALL",
        headers={"Content-Type": "application/sparql-update"},
        timeout=T,
    )
    assert r.status_code == 403 and "read-only" in r.json()["detail"]


def test_bad_query_and_update_together(server: str) -> None:
    r = requests.post(server + "/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"})
    assert r.status_code == 400 and "not both" in r.json()["detail"]


def test_bad_post_without_query(server: str) -> None:
    r = requests.post(server + "/sparql", data={"format": "json"}, timeout=T)
    assert r.status_code == 400 and "no query" in r.json()["detail"]


def test_bad_dataset_iri(server: str) -> None:
    r = post_direct(server, "ASK {}", {"default-graph-uri": "not an iri"})
    assert r.status_code == 400 and "default-graph-uri" in r.json()["detail"]


def test_service_refused_by_default(server: str) -> None:
    r = post_direct(server, "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert r.status_code == 403 and "SERVICE" in r.json()["detail"]
    # the word inside a string is not a SERVICE call
    assert post_direct(server, 'ASK { FILTER("SERVICE" != "") }').status_code == 200


def test_errors_never_leak_paths_or_traces(server: str) -> None:
    for r in (
        requests.get(server + "/sparql", params={"query": "SELECT * WHERE {"}, timeout=T),
        requests.get(server + "/store", params={"graph": "http://example.org/none"}, timeout=T),
        requests.get(server + "/nowhere", timeout=T),
    ):
        assert r.headers["Content-Type"].startswith("application/json")
        assert set(r.json()) == {"status", "error", "detail"}
        assert "Traceback" not in r.text and "/tmp" not in r.text and ".py" not in r.text


# ------------------------------------------------------------ content negotiation


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv, application/sparql-results+xml;q=0.9", "text/csv"),
        ("*/*;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
        ("text/*", "text/csv"),
        ("application/json", JSON),
        ("text/html, application/xml;q=0.9, */*;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_select_negotiation(server: str, accept: str | None, media: str) -> None:
    headers = {"Accept": accept} if accept else {}
    r = requests.get(
        server + "/sparql", params={"query": "SELECT (1 AS ?x) {}"}, headers=headers, timeout=T
    )
    assert r.status_code == 200 and r.headers["Content-Type"].split(";")[0] == media
    fmt = {
        JSON: ox.QueryResultsFormat.JSON,
        "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    }.get(media)
    if fmt is not None:
        rows = list(ox.parse_query_results(r.content, format=fmt))
        assert rows[0]["x"].value == "1"


@pytest.mark.parametrize(
    ("fmt", "media"),
    [
        ("json", JSON),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("text/csv", "text/csv"),
    ],
)
def test_format_parameter_wins_over_accept(server: str, fmt: str, media: str) -> None:
    r = requests.get(
        server + "/sparql",
        params={"query": "SELECT (1 AS ?x) {}", "format": fmt},
        headers={"Accept": "image/png"},
        timeout=T,
    )
    assert r.status_code == 200 and r.headers["Content-Type"].split(";")[0] == media


GRAPH_MEDIA = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}


@pytest.mark.parametrize("media", list(GRAPH_MEDIA))
def test_construct_formats(server: str, articles: list[str], media: str) -> None:
    q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{articles[0]}> {{ ?s ?p ?o }} }}"
    r = post_direct(server, q, Accept=f"text/csv;q=0.9, {media}")
    assert r.status_code == 200 and r.headers["Content-Type"].split(";")[0] == media
    triples = list(ox.parse(r.content, format=GRAPH_MEDIA[media]))
    count = post_direct(
        server,
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{articles[0]}> {{ ?s ?p ?o }} }}",
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert len(triples) == int(count) > 10


def test_not_acceptable_lists_offered_types(server: str) -> None:
    r = requests.get(
        server + "/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"}, timeout=T
    )
    assert r.status_code == 406
    for media in (JSON, "application/sparql-results+xml", "text/csv"):
        assert media in r.json()["detail"]
    r = post_direct(server, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", Accept="text/csv")
    assert r.status_code == 406 and "text/turtle" in r.json()["detail"]


def test_unknown_format_parameter(server: str) -> None:
    r = requests.get(server + "/sparql", params={"query": "ASK {}", "format": "png"}, timeout=T)
    assert r.status_code == 400 and "json" in r.json()["detail"]


# ------------------------------------------------------------ service description, UI


def test_service_description_for_rdf_clients(server: str) -> None:
    r = requests.get(server + "/sparql", headers={"Accept": "text/turtle"}, timeout=T)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    g = {
        ox.Quad(t.subject, t.predicate, t.object)
        for t in ox.parse(r.content, format=ox.RdfFormat.TURTLE)
    }
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = ox.NamedNode(server + "/sparql")
    assert ox.Quad(endpoint, ox.NamedNode(sd + "endpoint"), endpoint) in g
    langs = {q.object for q in g if q.predicate.value == sd + "supportedLanguage"}
    assert langs == {ox.NamedNode(sd + "SPARQL11Query")}  # no Update: read-only
    assert (
        ox.Quad(endpoint, ox.NamedNode(sd + "feature"), ox.NamedNode(sd + "UnionDefaultGraph")) in g
    )
    names = [q for q in g if q.predicate.value == sd + "name"]
    assert len(names) >= 5
    r = requests.get(server + "/sparql", timeout=T)  # */* : RDF, not HTML
    assert r.headers["Content-Type"].startswith("text/turtle")
    r = requests.get(server + "/sparql", headers={"Accept": "application/rdf+xml"}, timeout=T)
    assert r.headers["Content-Type"].startswith("application/rdf+xml")


def test_query_page_for_browsers(server: str) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = requests.get(server + "/sparql", headers={"Accept": accept}, timeout=T)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "<form" in r.text


# ------------------------------------------------------------ graph store protocol (read)


def test_graph_store_get_named_graph(server: str, articles: list[str]) -> None:
    r = requests.get(server + "/store", params={"graph": articles[0]}, timeout=T)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    assert any(t.subject == ox.NamedNode(articles[0]) for t in triples)
    h = requests.head(server + "/store", params={"graph": articles[0]}, timeout=T)
    assert h.status_code == 200 and h.content == b""
    assert h.headers["ETag"] == r.headers["ETag"]
    r = requests.get(
        server + "/graph",
        params={"graph": articles[0]},
        headers={"Accept": "application/n-triples"},
        timeout=T,
    )
    assert len(list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))) == len(triples)


def test_graph_store_default_and_dataset(server: str) -> None:
    r = requests.get(
        server + "/store?default", headers={"Accept": "application/n-triples"}, timeout=60
    )
    assert r.status_code == 200
    assert len(r.content.splitlines()) > 1000
    r = requests.get(server + "/store", headers={"Accept": "application/n-quads"}, timeout=60)
    assert r.status_code == 200
    graphs = {q.graph_name for q in ox.parse(r.content, format=ox.RdfFormat.N_QUADS)}
    assert len(graphs) >= 5


def test_graph_store_errors(server: str) -> None:
    r = requests.get(server + "/store", params={"graph": "http://example.org/none"}, timeout=T)
    assert r.status_code == 404
    r = requests.put(server + "/store", params={"default": ""}, data=b"", timeout=T)
    assert r.status_code == 405
    r = requests.get(
        server + "/store", params={"default": ""}, headers={"Accept": "image/png"}, timeout=T
    )
    assert r.status_code == 406


# ------------------------------------------------------------ CORS, gzip, caching


def test_cors(server: str) -> None:
    r = requests.get(
        server + "/sparql",
        params={"query": "ASK {}"},
        headers={"Origin": "https://yasgui.example"},
        timeout=T,
    )
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = requests.options(
        server + "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=T,
    )
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "content-type" in r.headers["Access-Control-Allow-Headers"].lower()


def test_gzip_for_large_bodies(server: str) -> None:
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 2000"
    r = requests.get(
        server + "/sparql", params={"query": q}, headers={"Accept-Encoding": "gzip"}, timeout=T
    )
    assert r.headers["Content-Encoding"] == "gzip"
    assert len(r.json()["results"]["bindings"]) == 2000  # requests decompresses
    r = requests.get(
        server + "/sparql",
        params={"query": q},
        headers={"Accept-Encoding": "identity"},
        timeout=T,
    )
    assert "Content-Encoding" not in r.headers


def test_large_results_are_streamed(server: str) -> None:
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 60000"
    with requests.get(
        server + "/sparql",
        params={"query": q, "format": "tsv"},
        headers={"Accept-Encoding": "gzip"},
        stream=True,
        timeout=60,
    ) as r:
        assert r.status_code == 200
        assert "Content-Length" not in r.headers  # chunked
        lines = sum(chunk.count(b"\n") for chunk in r.iter_content(65536))
    assert lines == 60001


def test_etag_and_conditional_get(server: str) -> None:
    params = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    r1 = requests.get(server + "/sparql", params=params, timeout=T)
    etag = r1.headers["ETag"]
    assert etag.startswith('W/"') and r1.headers["X-Store-Version"] in etag
    r2 = requests.get(server + "/sparql", params=params, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b""
    assert r2.headers["ETag"] == etag
    r3 = requests.get(
        server + "/sparql",
        params=params,
        headers={"If-None-Match": etag, "Accept": "text/csv"},
        timeout=T,
    )
    assert r3.status_code == 200 and r3.headers["ETag"] != etag  # Vary: Accept
    assert "Accept" in r1.headers["Vary"]


def test_health(server: str) -> None:
    r = requests.get(server + "/health", timeout=T)
    assert r.json()["status"] == "ok" and r.json()["store_version"]


@given(st.text(), st.text(alphabet="%+&=\\aB9 \u00e9\u1ee7"))
def test_form_pairs_is_parse_qsl(value: str, raw: str) -> None:
    """The fast path's query-string decoder agrees with urllib on encoded values and on
    anything else a client may send (stray %, +, &, =, backslashes, non-ASCII)."""
    encoded = "query=" + quote_plus(value) + "&format=json&x"
    assert form_pairs(encoded) == parse_qsl(encoded, keep_blank_values=True)
    assert form_pairs(raw) == parse_qsl(raw, keep_blank_values=True)
