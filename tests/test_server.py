"""`cdskg serve` as a real server process, queried over HTTP (SPARQL 1.1 Protocol), and its
worker model: kept-alive connections, a query past the time limit stopped without harm to
the other requests of its worker, graceful shutdown."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from cdskg.rdf import namespaces as ns
from cdskg.serve.allocator import is_glibc
from cdskg.store.generations import next_generation
from conftest import CDSKG, free_port, serving, wait_for

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

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


# ---------------------------------------------------------------- the worker model


def _connection(base: str) -> http.client.HTTPConnection:
    host, port = base.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=60)


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    r = conn.getresponse()
    return r.status, r.read()


def _wait_for_log(log: Path, text: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while text not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{text!r} not logged in {seconds} s"
        time.sleep(0.1)


def test_connections_are_kept_alive(server: str) -> None:
    conn = _connection(server)
    status, body = _get(conn, "/sparql?query=ASK%20%7B%7D")
    assert status == 200 and json.loads(body)["boolean"] is True
    sock = conn.sock
    assert sock is not None  # the server did not close it
    status, body = _get(conn, "/health")
    assert status == 200 and conn.sock is sock  # the second request used the same socket
    conn.close()


def _cpus_of(pid: int) -> list[frozenset[int]]:
    """The CPUs each thread of process ``pid`` may run on (Cpus_allowed_list)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that has just ended
            for line in (task / "status").read_text().splitlines():
                if line.startswith("Cpus_allowed_list:"):
                    cpus: set[int] = set()
                    for part in line.split(":", 1)[1].strip().split(","):
                        lo, _, hi = part.partition("-")
                        cpus.update(range(int(lo), int(hi or lo) + 1))
                    found.append(frozenset(cpus))
    return found


def _worker_pids(base: str) -> set[int]:
    conns = [_connection(base) for _ in range(8)]
    pids = {json.loads(_get(c, "/health")[1])["pid"] for c in conns}
    for c in conns:
        c.close()
    return pids


def _listening_workers(base: str) -> set[int]:
    """The worker processes of the server at ``base``, found by the listening socket they
    share (not by connections: which worker the kernel hands a connection to is not ours to
    promise): the processes holding a listening socket on its port (granian's workers each
    have one), less any parent of another (granian's master, where it holds one)."""
    port = int(base.rsplit(":", 1)[1])
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                    inodes.add(f"socket:[{fields[9]}]")
    holders: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                stat = (proc / "stat").read_text()
                holders[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return set(holders) - set(holders.values())


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_pinned_workers_keep_their_threads_on_one_cpu(
    server: str, built_store: Path, tmp_path: Path
) -> None:
    everywhere = frozenset(os.sched_getaffinity(0))
    for pid in _worker_pids(server):  # by default the threads go where the kernel puts them
        assert set(_cpus_of(pid)) == {everywhere}
    with _serving_with(built_store, tmp_path / "serve.log", {"CDSKG_PIN_WORKERS": "1"}) as base:
        deadline = time.monotonic() + 30  # /health answered; the other worker may be starting
        while len(pids := _listening_workers(base)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(pids) == 2, pids
        placed = [set(_cpus_of(pid)) for pid in pids]
    # every thread of a worker on one and the same CPU; the two workers on different CPUs
    assert all(len(cpus) == 1 and len(next(iter(cpus))) == 1 for cpus in placed), placed
    assert placed[0] != placed[1]


def _tunables_of(pid: int) -> list[bytes]:
    """The tunables ``pid`` started with. glibc ends each value it reads with a NUL in the
    process's own copy of its environment, so /proc shows them as separate entries."""
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    key = b"GLIBC_TUNABLES="
    at = next(i for i, e in enumerate(entries) if e.startswith(key))
    found = entries[at][len(key) :].split(b":")
    for e in entries[at + 1 :]:
        if not e.startswith(b"glibc."):
            break
        found += e.split(b":")
    return found


@pytest.mark.skipif(not is_glibc(), reason="glibc's allocator only")
def test_workers_run_with_a_larger_allocator_cache(server: str) -> None:
    for pid in _worker_pids(server):
        assert _tunables_of(pid) == [b"glibc.malloc.tcache_count=256"]


@pytest.mark.skipif(not is_glibc(), reason="glibc's allocator only")
def test_allocator_cache_keeps_the_users_tunables_under_gunicorn(
    built_store: Path, tmp_path: Path
) -> None:
    env = {"CDSKG_SERVER": "gunicorn", "GLIBC_TUNABLES": "glibc.malloc.mxfast=0"}
    with _serving_with(built_store, tmp_path / "serve.log", env) as base:
        for pid in _worker_pids(base):
            assert _tunables_of(pid) == [
                b"glibc.malloc.mxfast=0",
                b"glibc.malloc.tcache_count=256",
            ]
        assert requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=10).ok


@pytest.fixture(scope="module")
def crowded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store where one locality has 1,000 figures for one indicator, period and role, all
    different: the catalogue's `disagreements` compares every pair of them (half a million),
    which takes tens of seconds (600 figures: 13 s on a 2-core machine)."""
    root = tmp_path_factory.mktemp("crowded") / "store"
    graph = ox.NamedNode("http://example.org/article/1")
    indicator = ox.NamedNode(ns.ID + "indicator/online-rate")
    area = ox.NamedNode(ns.ID + "place/ward-1")
    decimal = ox.NamedNode(ns.XSD + "decimal")
    quads = [
        ox.Quad(
            indicator,
            ox.NamedNode(ns.SKOS + "prefLabel"),
            ox.Literal("tỷ lệ", language="vi"),
            graph,
        ),
        ox.Quad(area, ox.NamedNode(ns.RDFS + "label"), ox.Literal("phường Một"), graph),
    ]
    for i in range(1000):
        obs = ox.NamedNode(f"http://example.org/obs/{i}")
        for p, o in (
            (ns.RDF + "type", ox.NamedNode(ns.QB + "Observation")),
            (ns.CDSKG + "indicator", indicator),
            (ns.SDMX_DIMENSION + "refArea", area),
            (ns.SDMX_DIMENSION + "refPeriod", ox.Literal("2025")),
            (ns.CDSKG + "valueRole", ox.Literal("actual")),
            (ns.SDMX_MEASURE + "obsValue", ox.Literal(str(i), datatype=decimal)),
            (ns.CDSKG + "sourceArticle", graph),
        ):
            quads.append(ox.Quad(obs, ox.NamedNode(p), o, graph))
    with next_generation(root) as st:
        st.extend(quads)
    return root


@pytest.mark.parametrize("server_name", ["granian", "gunicorn"])
def test_catalogue_pages_are_under_the_time_limit(
    crowded_store: Path, tmp_path: Path, server_name: str
) -> None:
    env = {"CDSKG_QUERY_TIMEOUT": "1", "CDSKG_SERVER": server_name}
    with _serving_with(crowded_store, tmp_path / "serve.log", env) as base:
        r = requests.get(
            base + "/queries/disagreements",
            headers={"Accept": "application/sparql-results+json"},
            timeout=120,
        )
        assert r.status_code == 503, r.text[:300]
        assert "limit of 1 s" in r.json()["detail"]
        fast = requests.get(base + "/queries/officials", headers={"Accept": "text/csv"}, timeout=30)
        assert fast.status_code == 200


@contextlib.contextmanager
def _serving_with(store: Path, log: Path, env: dict[str, str], *extra: str) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        with serving(store, log, *extra) as base:
            yield base


@pytest.fixture(scope="module")
def guarded(built_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """A server with a 2 s query time limit, 2 workers of 2 threads, and its log."""
    log = tmp_path_factory.mktemp("guarded") / "serve.log"
    env = {"CDSKG_QUERY_TIMEOUT": "2", "CDSKG_THREADS": "2"}
    with _serving_with(built_store, log, env) as base:
        yield base, log


def test_timeout_spares_the_other_requests_of_its_worker(guarded) -> None:
    base, log = guarded
    with contextlib.ExitStack() as stack:
        # Kept-alive connections stay with the worker that accepted them: two on one worker.
        conns = [stack.enter_context(contextlib.closing(_connection(base))) for _ in range(8)]
        _timeout_spares_the_others(base, log, conns)


def _timeout_spares_the_others(
    base: str, log: Path, conns: list[http.client.HTTPConnection]
) -> None:
    pids = [json.loads(_get(c, "/health")[1])["pid"] for c in conns]
    pid = max(set(pids), key=pids.count)
    runaway, other = [c for c, p in zip(conns, pids, strict=True) if p == pid][:2]
    # `other`: a query in flight on that worker, its body still on its way
    query = b"SELECT (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation }"
    expected = requests.post(
        base + "/sparql",
        data=query,
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
        timeout=10,
    ).text.splitlines()[1]
    other.putrequest("POST", "/sparql")
    other.putheader("Content-Type", "application/sparql-query")
    other.putheader("Accept", "text/csv")
    other.putheader("Content-Length", str(len(query)))
    other.endheaders()
    other.send(query[:10])

    runaway.request("POST", "/sparql", RUNAWAY, {"Content-Type": "application/sparql-query"})
    r = runaway.getresponse()
    body = json.loads(r.read())
    assert r.status == 503 and body["error"] == "query timeout" and "2 s" in body["detail"]
    assert r.getheader("Connection") == "close"
    # The worker stops: it takes no new connection, the other workers serve them...
    _wait_for_log(log, f"[{pid}] INFO Stopping worker")
    for _ in range(4):
        assert requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=10).ok
    # ...and it finishes the request it had in flight before it exits.
    other.send(query[10:])
    r = other.getresponse()
    assert r.status == 200 and r.read().decode().splitlines()[1] == expected
    # A fresh worker replaces it.
    deadline = time.monotonic() + 30
    while True:
        health = requests.get(base + "/health", timeout=10).json()
        if health["pid"] != pid and len(log.read_text().split("Started worker")) > 3:
            break
        assert time.monotonic() < deadline, "the stopped worker was not replaced"
        time.sleep(0.2)
    text = log.read_text()
    assert f"query stopped after 2 s (CDSKG_QUERY_TIMEOUT); restarting worker {pid}" in text
    assert '"POST /sparql HTTP/1.1" 503' in text  # the access log has the answer too


def test_repeated_timeouts_never_stop_the_server(built_store: Path, tmp_path: Path) -> None:
    """A worker that must stop right after it started still waits until granian's master
    would not take its exit for a crash loop (which would end the whole server)."""
    log = tmp_path / "serve.log"
    with _serving_with(built_store, log, {"CDSKG_QUERY_TIMEOUT": "2"}, "--workers", "1") as base:
        for _ in range(2):
            pid = _served_pid(base)
            r = requests.post(base + "/sparql", data={"query": RUNAWAY}, timeout=60)
            assert r.status_code == 503, r.text
            _wait_for_log(log, f"[{pid}] INFO Stopping worker")
            while _served_pid(base) in (pid, None):
                time.sleep(0.2)
        assert requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=10).ok
        assert "crash loop" not in log.read_text()


def _served_pid(base: str) -> int | None:
    try:
        return requests.get(base + "/health", timeout=10).json()["pid"]
    except requests.ConnectionError:  # one worker, between two lives
        return None


def test_shutdown_lets_requests_in_flight_finish(built_store: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*CDSKG, "serve", "--store", str(built_store), "--port", str(port)],
            env={**os.environ, "CDSKG_WORKERS": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/health", proc, log)
        conn = _connection(base)
        query = b"ASK { ?o a qb:Observation }"
        conn.putrequest("POST", "/sparql")
        conn.putheader("Content-Type", "application/sparql-query")
        conn.putheader("Content-Length", str(len(query)))
        conn.endheaders()
        conn.send(query[:5])
        proc.send_signal(signal.SIGTERM)
        time.sleep(1)
        conn.send(query[5:])
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["boolean"] is True
        conn.close()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
