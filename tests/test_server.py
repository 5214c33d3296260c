"""`cdskg serve` as a real gunicorn process, queried over HTTP (SPARQL 1.1 Protocol)."""

from __future__ import annotations

import requests

Q_RATE = """
SELECT ?value ?stated WHERE {
  ?obs cdskg:indicator <https://w3id.org/cdskg/id/indicator/eid-activated-accounts> ;
       sdmx-dimension:refArea <https://w3id.org/cdskg/id/unit/pre2025/district/918> ;
       sdmx-measure:obsValue ?value ; cdskg:statedAs ?stated .
}"""


def test_health(server: str) -> None:
    r = requests.get(server + "/health", timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_get_query_json(server: str) -> None:
    r = requests.get(server + "/sparql", params={"query": Q_RATE}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/sparql-results+json")
    values = {b["stated"]["value"] for b in r.json()["results"]["bindings"]}
    assert "68.350" in values


def test_post_form_and_direct(server: str) -> None:
    r = requests.post(server + "/sparql", data={"query": "ASK { ?s a qb:Observation }"}, timeout=10)
    assert r.status_code == 200 and r.json()["boolean"] is True
    r = requests.post(
        server + "/sparql",
        data=b"SELECT ?a WHERE { ?a a schema:NewsArticle }",
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
        timeout=10,
    )
    assert r.status_code == 200 and r.text.splitlines()[0] == "a"
    assert len(r.text.splitlines()) == 6


def test_errors(server: str) -> None:
    r = requests.get(server + "/sparql", params={"query": "SELECT * WHERE {"}, timeout=10)
    assert r.status_code == 400 and "1:" in r.json()["detail"]
    r = requests.get(
        server + "/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"}, timeout=10
    )
    assert r.status_code == 406 and "application/sparql-results+json" in r.json()["detail"]
    r = requests.post(
        server + "/sparql", data=b"x", headers={"Content-Type": "text/plain"}, timeout=10
    )
    assert r.status_code == 415
    r = requests.post(server + "/sparql", data={"update": "CLEAR ALL"}, timeout=10)
    assert r.status_code == 403


def test_home_page(server: str) -> None:
    r = requests.get(server + "/", timeout=10)
    assert r.status_code == 200 and 'id="n-articles">5<' in r.text


def test_wrong_method_and_downloads(server: str) -> None:
    r = requests.delete(server + "/sparql", timeout=10)
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    r = requests.get(server + "/downloads/cdskg.ttl", timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    assert b"qb:Observation" in r.content
