"""SPARQL 1.1 Protocol updates with ``using-graph-uri`` / ``using-named-graph-uri``, and the
Graph Store Protocol's write side (PUT, POST, DELETE on ``/store``), against a real server
with updates on: behind the token, each write a new store generation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conftest import serving

TOKEN = "another-long-random-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
G1 = "http://example.org/g1"
G2 = "http://example.org/g2"
TTL = {"Content-Type": "text/turtle"}


@pytest.fixture(scope="module")
def writable(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import shutil

    root = tmp_path_factory.mktemp("writes")
    store = root / "store"
    shutil.copytree(built_store, store, symlinks=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDSKG_ENABLE_UPDATE", "1")
        mp.setenv("CDSKG_UPDATE_TOKEN", TOKEN)
        with serving(store, root / "serve.log") as base:
            yield base


def _version(base: str) -> str:
    return requests.get(base + "/health", timeout=10).json()["store_version"]


def _ask(base: str, query: str) -> bool:
    r = requests.get(base + "/sparql", params={"query": query}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


def _count(base: str, graph: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    r = requests.get(base + "/sparql", params={"query": query}, timeout=10)
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_graph_store_put_post_delete(writable: str) -> None:
    base = writable
    url = base + "/store"
    v0 = _version(base)
    r = requests.put(url, params={"graph": G1}, data="<http://e/a> <http://e/p> 1 .", headers=TTL)
    assert r.status_code == 401 and _version(base) == v0  # no token: nothing written
    r = requests.put(
        url, params={"graph": G1}, data="<http://e/a> <http://e/p> 1 .", headers={**TTL, **AUTH}
    )
    assert r.status_code == 201, r.text
    v1 = r.headers["X-Store-Version"]
    assert v1 != v0 and _count(base, G1) == 1
    r = requests.get(url, params={"graph": G1}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and "<http://e/a> <http://e/p>" in r.text
    body = "<http://e/b> <http://e/p> 2 . <http://e/c> <http://e/p> 3 ."
    r = requests.put(url, params={"graph": G1}, data=body, headers={**TTL, **AUTH})
    assert r.status_code == 204 and _count(base, G1) == 2  # replaced
    r = requests.post(
        url,
        params={"graph": G1},
        data='<http://e/d> <http://e/p> "4" .',
        headers={"Content-Type": "application/n-triples", **AUTH},
    )
    assert r.status_code == 204 and _count(base, G1) == 3  # added
    assert r.headers["X-Store-Version"] not in (v0, v1)
    r = requests.post(url, params={"graph": G1}, data="not turtle", headers={**TTL, **AUTH})
    assert r.status_code == 400 and _count(base, G1) == 3
    r = requests.post(
        url, params={"graph": G1}, data="x", headers={"Content-Type": "text/x", **AUTH}
    )
    assert r.status_code == 415
    r = requests.delete(url, params={"graph": G1}, headers=AUTH)
    assert r.status_code == 204 and _count(base, G1) == 0
    assert requests.get(url, params={"graph": G1}).status_code == 404
    assert requests.delete(url, params={"graph": G1}, headers=AUTH).status_code == 404


def test_update_with_using_graph_uri(writable: str) -> None:
    base = writable
    for graph, value in ((G1, 1), (G2, 2)):
        data = f"<http://e/s{value}> <http://e/p> {value} ."
        r = requests.put(
            base + "/store", params={"graph": graph}, data=data, headers={**TTL, **AUTH}
        )
        assert r.status_code in (201, 204), r.text
    update = "INSERT { GRAPH <http://example.org/out> { ?s ?p ?o } } WHERE { ?s ?p ?o }"
    r = requests.post(
        base + "/sparql",
        data={"update": update, "using-graph-uri": G1},
        headers=AUTH,
        timeout=30,
    )
    assert r.status_code == 204, r.text
    assert _count(base, "http://example.org/out") == 1  # G1's triple only, not the union
    update = (
        "INSERT { GRAPH <http://example.org/out2> { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    r = requests.post(
        base + "/sparql",
        params={"using-named-graph-uri": G2},
        data=update,
        headers={"Content-Type": "application/sparql-update", **AUTH},
        timeout=30,
    )
    assert r.status_code == 204, r.text
    assert _count(base, "http://example.org/out2") == 1
    assert _ask(base, "ASK { GRAPH <http://example.org/out2> { <http://e/s2> ?p ?o } }")
    both = "INSERT { ?s ?p ?o } USING <http://x/> WHERE { ?s ?p ?o }"
    r = requests.post(
        base + "/sparql", data={"update": both, "using-graph-uri": G1}, headers=AUTH, timeout=30
    )
    assert r.status_code == 400 and "USING" in r.json()["detail"]


def test_writes_are_refused_when_updates_are_off(built_store: Path, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDSKG_ENABLE_UPDATE", "0")
        with serving(built_store, tmp_path / "serve.log") as server:
            _refused(server)


def _refused(server: str) -> None:
    for method in ("put", "post", "delete"):
        r = requests.request(method, server + "/store", params={"graph": G1}, data="", timeout=10)
        assert r.status_code == 405 and "GET" in r.headers["Allow"]
        r = requests.request(method, server + "/store/people/1.ttl", data="", timeout=10)
        assert r.status_code == 405 and "GET" in r.headers["Allow"]


def test_graph_store_direct_names_new_graphs_and_multipart(writable: str) -> None:
    """The Graph Store Protocol's optional parts: a graph named by its own URL under
    ``/store/``, a POST to ``/store`` that creates a graph and answers its IRI in
    ``Location``, and multipart/form-data bodies (each file in its own media type)."""
    base = writable
    direct = base + "/store/people/1.ttl"
    r = requests.put(direct, data="<http://e/a> <http://e/p> 1 .", headers={**TTL, **AUTH})
    assert r.status_code == 201, r.text
    assert _count(base, direct) == 1  # the graph's name is the URL it was sent to
    r = requests.get(base + "/store", params={"graph": direct}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and "<http://e/a>" in r.text
    r = requests.post(
        base + "/store", data="<http://e/n> <http://e/p> 2 .", headers={**TTL, **AUTH}
    )
    assert r.status_code == 201 and r.headers["Location"].startswith(base + "/store/")
    assert _count(base, r.headers["Location"]) == 1
    assert requests.get(r.headers["Location"]).status_code == 200
    v = _version(base)
    files = {
        "a": ("a.ttl", b"<http://e/m> <http://e/p> 3 .", "text/turtle"),
        "b": ("b.txt", b"not rdf", "text/plain"),
    }
    r = requests.post(direct, files=files, headers=AUTH)
    assert r.status_code == 415 and _version(base) == v  # one bad part: nothing written
    files["b"] = ("b.nt", b'<http://e/m> <http://e/q> "4" .', "application/n-triples")
    r = requests.post(direct, files=files, headers=AUTH)
    assert r.status_code == 204 and _count(base, direct) == 3
    r = requests.put(direct, params={"graph": G1}, data="", headers={**TTL, **AUTH})
    assert r.status_code == 400  # a /store/… URL and graph= name two graphs
    assert requests.delete(direct, headers=AUTH).status_code == 204
    assert requests.get(direct).status_code == 404
