"""Safety of the endpoint under real `cdskg serve` processes with their own settings: the query
time limit (a runaway query is stopped while other clients are served), the result-size and
request-size limits, token-guarded updates, and caches that never outlive a rebuild."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import add_generation, serving

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module", params=["granian", "gunicorn"])
def limited(built_store: Path, tmp_path_factory: pytest.TempPathFactory, request):
    """A server with small limits, under each HTTP server `cdskg serve` can run."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CDSKG_SERVER", request.param)
    mp.setenv("CDSKG_QUERY_TIMEOUT", "2")
    mp.setenv("CDSKG_MAX_RESULTS", "50")
    mp.setenv("CDSKG_MAX_ANSWER_BYTES", "3000000")  # past the 1 MB kept in memory
    mp.setenv("CDSKG_MAX_REQUEST_BYTES", "2000")
    log = tmp_path_factory.mktemp("limited") / "serve.log"
    try:
        with serving(built_store, log) as base:
            yield base, log
    finally:
        mp.undo()


def test_runaway_query_is_stopped_while_others_are_served(limited) -> None:
    base, log = limited
    answer: dict[str, requests.Response] = {}

    def runaway() -> None:
        answer["r"] = requests.post(base + "/sparql", data={"query": RUNAWAY}, timeout=60)

    t0 = time.monotonic()
    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    # The other worker keeps answering while the runaway query runs.
    served = 0
    while thread.is_alive() and time.monotonic() - t0 < 30:
        r = requests.get(base + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert r.status_code == 200
        served += 1
        time.sleep(0.05)
    thread.join(timeout=60)
    elapsed = time.monotonic() - t0
    r = answer["r"]
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["error"] == "query timeout" and "2 s" in body["detail"]
    assert served >= 3
    assert elapsed < 15
    # the worker was replaced; the server still answers everything
    for _ in range(6):
        assert requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=10).ok
    assert "query stopped after 2 s" in log.read_text()


def test_result_size_limit(limited) -> None:
    base, _ = limited
    r = requests.get(base + "/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 51"})
    assert r.status_code == 400 and r.json()["error"] == "result too large"
    assert "50" in r.json()["detail"]
    for fmt in ("json", "xml", "csv", "tsv"):
        r = requests.get(
            base + "/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 50", "format": fmt}
        )
        assert r.status_code == 200, (fmt, r.text)
    r = requests.get(base + "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 60"})
    assert r.status_code == 400 and "triples" in r.json()["detail"]


def test_endless_answer_is_stopped_while_it_is_written(limited) -> None:
    """A result with no end in sight (a cross product) is stopped at the byte limit, long
    before its rows could be counted or the time limit (503) came."""
    base, log = limited
    stopped = log.read_text().count("query stopped")
    for fmt in ("json", "tsv"):
        r = requests.get(
            base + "/sparql",
            params={"query": "SELECT * { ?a ?b ?c . ?d ?e ?f }", "format": fmt},
            timeout=60,
        )
        assert r.status_code == 400, (fmt, r.status_code, r.text[:200])
        body = r.json()
        assert body["error"] == "result too large"
        assert "3,000,000 bytes (CDSKG_MAX_ANSWER_BYTES)" in body["detail"]
    # No worker had to stop for it.
    assert requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=10).ok
    assert log.read_text().count("query stopped") == stopped


def test_request_size_limit(limited) -> None:
    base, _ = limited
    big = "ASK {}" + " " * 3000
    r = requests.post(
        base + "/sparql", data=big, headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 413 and "2000" in r.json()["detail"]


def test_no_stale_answer_after_rebuild(store_copy: Path, tmp_path: Path) -> None:
    q = {"query": "ASK { <http://example.org/new> ?p ?o }"}
    with serving(store_copy, tmp_path / "serve.log") as base:
        r1 = requests.get(base + "/sparql", params=q, timeout=10)
        assert r1.json()["boolean"] is False
        add_generation(store_copy)
        for _ in range(4):  # every worker, cache or not
            r2 = requests.get(
                base + "/sparql", params=q, headers={"If-None-Match": r1.headers["ETag"]}
            )
            assert r2.status_code == 200 and r2.json()["boolean"] is True
            assert r2.headers["X-Store-Version"] != r1.headers["X-Store-Version"]


def test_updates_need_the_token_and_write_a_new_generation(
    store_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDSKG_ENABLE_UPDATE", "1")
    monkeypatch.setenv("CDSKG_UPDATE_TOKEN", "s3cret-token")
    update = (
        "INSERT DATA { GRAPH <http://example.org/g>"
        ' { <http://example.org/s> <http://example.org/p> "v" } }'
    )
    with serving(store_copy, tmp_path / "serve.log") as base:
        url = base + "/sparql"
        ctype = {"Content-Type": "application/sparql-update"}
        r = requests.post(url, data=update, headers=ctype, timeout=30)
        assert r.status_code == 401 and "Bearer" in r.headers["WWW-Authenticate"]
        r = requests.post(
            url, data=update, headers={**ctype, "Authorization": "Bearer wrong"}, timeout=30
        )
        assert r.status_code == 401
        r = requests.get(url, params={"update": update}, timeout=30)
        assert r.status_code == 400
        before = requests.get(url, params={"query": "ASK {}"}).headers["X-Store-Version"]
        r = requests.post(
            url, data=update, headers={**ctype, "Authorization": "Bearer s3cret-token"}, timeout=60
        )
        assert r.status_code == 204, r.text
        assert r.headers["X-Store-Version"] != before
        r = requests.post(
            url,
            data={"update": "INSERT DATA {"},
            headers={"Authorization": "Bearer s3cret-token"},
            timeout=60,
        )
        assert r.status_code == 400 and "syntax" in r.json()["detail"]
        r = requests.get(url, params={"query": 'ASK { <http://example.org/s> ?p "v" }'})
        assert r.json()["boolean"] is True
        sd = requests.get(url, headers={"Accept": "text/turtle"}, timeout=10).text
        assert "SPARQL11Update" in sd
    assert "SPARQL update applied" in (tmp_path / "serve.log").read_text()


def test_update_without_token_refuses_to_start(store_copy: Path, tmp_path: Path) -> None:
    from conftest import run_cli

    proc = run_cli(
        "serve",
        "--store",
        str(store_copy),
        env={
            **__import__("os").environ,
            "CDSKG_ENABLE_UPDATE": "1",
            "CDSKG_UPDATE_TOKEN": "",
        },
    )
    assert proc.returncode == 2 and "CDSKG_UPDATE_TOKEN" in proc.stderr
