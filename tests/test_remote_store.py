"""A SPARQL 1.1 server as the store (``--store http://…``): a real ``oxigraph serve`` on
127.0.0.1, built into by ``cdskg build``, read by ``cdskg query``/``export``/``serve``; a
build killed mid-way leaves the version in service complete; a down server is named."""

from __future__ import annotations

import base64
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from cdskg.publish import query_catalogue as catalogue
from cdskg.serve.lifetime import die_with_parent
from cdskg.settings import project_paths
from cdskg.store.generations import open_read_only
from cdskg.store.query import serialize
from cdskg.store.remote import STAGING, Endpoint, current_version
from conftest import CDSKG, REPO, free_port, run_cli, serving

OBSERVATIONS = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a qb:Observation }"
ARTICLES = "SELECT ?a WHERE { ?a a schema:NewsArticle } ORDER BY ?a"
STAGED = f'ASK {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), "{STAGING}")) }}'


def _oxigraph() -> str:
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the `oxigraph` server (PyPI package oxigraph, a test dependency) is missing")
    return found


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server on a free port, its data in a temporary folder."""
    folder = tmp_path_factory.mktemp("oxigraph")
    port = free_port()
    log = (folder / "oxigraph.log").open("w")
    proc = subprocess.Popen(
        [_oxigraph(), "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: die_with_parent(signal.SIGTERM),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url + "/query", params={"query": "ASK {}"}, timeout=1)
            break
        except requests.ConnectionError:
            assert proc.poll() is None and time.monotonic() < deadline, "oxigraph did not start"
            time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def remote(oxigraph: str, corpus: Path) -> str:
    """The five articles built into the server by the real CLI (version 000001)."""
    proc = run_cli("build", str(corpus), "--store", oxigraph, "--jobs", "1")
    assert proc.returncode in (0, 1), proc.stderr
    assert f"built {oxigraph} (generation 000001)" in proc.stdout
    return oxigraph


def _answer(store: str | Path, text: str) -> bytes:
    st, _version = open_read_only(store)
    from cdskg.store.query import run_query

    return serialize(run_query(st, text), "tsv").body


def test_cdskg_query_and_export_read_the_server(remote: str, built_store: Path, tmp_path: Path):
    proc = run_cli("query", "--store", remote, "--format", "csv", OBSERVATIONS, check=0)
    assert proc.stdout.splitlines() == ["n", "98"]
    out = {}
    for name, store in (("remote", remote), ("local", str(built_store))):
        out[name] = tmp_path / f"{name}.nq"
        done = run_cli("export", "--store", store, "--format", "nq", "--out", str(out[name]))
        assert done.returncode == 0, done.stderr
    assert "(store version 000001)" in done.stdout
    assert out["remote"].read_bytes() == out["local"].read_bytes()


def test_the_catalogue_answers_as_on_the_embedded_store(remote: str, built_store: Path) -> None:
    folder = project_paths().queries
    remote_st, _ = open_read_only(remote)
    local_st, _ = open_read_only(built_store)
    names = sorted(p.stem for p in folder.glob("*.rq"))
    assert len(names) >= 20
    for name in names:
        entry = catalogue.load(name, folder)
        answers = [
            serialize(entry.run(st, {}), "tsv").body.splitlines() for st in (remote_st, local_st)
        ]
        # the same rows; rows that tie in ORDER BY may come in another order
        assert answers[0][:1] == answers[1][:1], name
        assert sorted(answers[0]) == sorted(answers[1]), name


def test_validate_reads_the_server(remote: str) -> None:
    proc = run_cli("validate", "--store", remote, check=0)
    assert "Conforms" in proc.stdout


def test_serve_over_the_server_keeps_its_protections(remote: str, tmp_path: Path) -> None:
    with serving(remote, tmp_path / "serve.log", "--workers", "1") as base:  # type: ignore[arg-type]
        page = requests.get(base + "/", timeout=30)
        assert page.status_code == 200 and "<html" in page.text
        article = requests.get(base + "/id/article/000-41fe44b677ccd56a", timeout=30)
        assert article.status_code == 200 and "<html" in article.text
        ask = requests.get(
            base + "/sparql",
            params={"query": "ASK { ?o a qb:Observation }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert ask.status_code == 200 and ask.json()["boolean"] is True
        assert ask.headers["X-Store-Version"] == "000001"
        listed = requests.get(base + "/queries/articles", params={"format": "json"}, timeout=30)
        assert listed.status_code == 200 and len(listed.json()["results"]["bindings"]) == 5
        federated = requests.get(
            base + "/sparql",
            params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"},
            timeout=30,
        )
        assert federated.status_code == 403 and "SERVICE" in federated.text
        update = requests.post(
            base + "/sparql",
            data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"},
            timeout=30,
        )
        assert update.status_code == 403
        downloads = requests.get(base + "/downloads", params={"format": "json"}, timeout=30)
        assert downloads.status_code == 501 and "remote store" in downloads.text
    proc = run_cli(
        "serve",
        "--store",
        remote,
        "--port",
        str(free_port()),
        check=2,
        env={**os.environ, "CDSKG_ENABLE_UPDATE": "1", "CDSKG_UPDATE_TOKEN": "t" * 32},
    )
    assert "not offered over a remote store" in proc.stderr


def test_a_build_killed_mid_way_leaves_the_previous_version_complete(
    remote: str, corpus: Path, tmp_path: Path
) -> None:
    endpoint = Endpoint.from_settings(remote)
    before_version = current_version(endpoint)
    before = (_answer(remote, OBSERVATIONS), _answer(remote, ARTICLES))
    bigger = tmp_path / "corpus"
    shutil.copytree(corpus, bigger)
    for n, path in enumerate(sorted(corpus.glob("*.txt")) * 8):
        (bigger / f"9{n:02d}_copy.txt").write_bytes(path.read_bytes())
    build = subprocess.Popen(
        [*CDSKG, "build", str(bigger), "--store", remote, "--jobs", "1"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while build.poll() is None and not bool(endpoint.select(STAGED)):
            time.sleep(0.005)
        assert build.poll() is None, "the build ended before it was seen staging its graphs"
        build.send_signal(signal.SIGKILL)  # while it sends the graphs of the new version
        build.wait(timeout=30)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    assert current_version(endpoint) == before_version
    assert (_answer(remote, OBSERVATIONS), _answer(remote, ARTICLES)) == before

    # built again, to the end, while a reader watches: one version or the other, never a mix
    seen: set[bytes] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.add(_answer(remote, OBSERVATIONS))

    reader = threading.Thread(target=watch)
    reader.start()
    try:
        proc = run_cli("build", str(bigger), "--store", remote, "--jobs", "1")
    finally:
        stop.set()
        reader.join()
    assert proc.returncode in (0, 1), proc.stderr
    after = _answer(remote, OBSERVATIONS)
    assert current_version(endpoint) == f"{int(before_version or 0) + 1:06d}"
    assert seen <= {before[0], after} and after != before[0]
    assert len(_answer(remote, ARTICLES).splitlines()) == 1 + 5 + 40
    assert not bool(endpoint.select(STAGED)), "the killed build's staged graphs were dropped"


def test_a_down_server_is_named_with_what_to_do(tmp_path: Path, corpus: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for args in (
        ("query", "--store", url, "ASK {}"),
        ("build", str(corpus), "--store", url, "--jobs", "1"),
        ("serve", "--store", url, "--port", str(free_port())),
        ("export", "--store", url, "--format", "nq", "--out", str(tmp_path / "x.nq")),
    ):
        proc = run_cli(*args, check=2)
        assert f"{url}/query" in proc.stderr and "is the store server running" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_a_server_answering_non_2xx_is_named(remote: str) -> None:
    env = {**os.environ, "CDSKG_REMOTE_QUERY_URL": remote + "/nowhere"}
    proc = run_cli("query", "--store", remote, "ASK {}", check=2, env=env)
    assert f"{remote}/nowhere" in proc.stderr and "answered 404" in proc.stderr
    assert "CDSKG_REMOTE_QUERY_URL" in proc.stderr
    proc = run_cli("query", "--store", "ftp://127.0.0.1/x", "ASK {}", check=2)
    assert "a folder or an http(s):// URL" in proc.stderr


class _Guard(http.server.BaseHTTPRequestHandler):
    """An authenticating proxy in front of the Oxigraph server, as a reverse proxy with
    authentication would stand there: it forwards requests that carry ``want``."""

    upstream = ""
    want: tuple[str, ...] = ()

    def _forward(self) -> None:
        if self.headers.get("Authorization") not in self.want:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Bearer realm="store"')
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k in ("Content-Type", "Accept")}
        req = urllib.request.Request(
            self.upstream + self.path, data=body, headers=headers, method=self.command
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status, data, kind = resp.status, resp.read(), resp.headers.get("Content-Type")
        except urllib.error.HTTPError as exc:
            status, data, kind = exc.code, exc.read(), exc.headers.get("Content-Type")
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _forward

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def guarded(remote: str) -> Iterator[str]:
    handler = type("Guard", (_Guard,), {"upstream": remote})
    handler.want = ("Bearer s3cret", "Basic " + base64.b64encode(b"cdskg:pa ss").decode())
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}"
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_a_token_or_basic_credentials_reach_the_server(guarded: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDSKG_REMOTE_")}
    refused = run_cli("query", "--store", guarded, OBSERVATIONS, check=2, env=env)
    assert "answered 401" in refused.stderr and "CDSKG_REMOTE_TOKEN" in refused.stderr
    for extra in (
        {"CDSKG_REMOTE_TOKEN": "s3cret"},
        {"CDSKG_REMOTE_USER": "cdskg", "CDSKG_REMOTE_PASSWORD": "pa ss"},
    ):
        proc = run_cli(
            "query", "--store", guarded, "--format", "csv", OBSERVATIONS, env={**env, **extra}
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[0] == "n"


def test_serve_caps_what_it_reads_from_the_server(
    remote: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDSKG_MAX_ANSWER_BYTES", "100000")
    with serving(remote, tmp_path / "serve.log", "--workers", "1") as base:  # type: ignore[arg-type]
        whole = requests.get(
            base + "/sparql",
            params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
            headers={"Accept": "application/n-triples"},
            timeout=60,
        )
        assert whole.status_code == 400 and "CDSKG_MAX_ANSWER_BYTES" in whole.text
        small = requests.get(base + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
        assert small.status_code == 200


def test_publish_refuses_a_remote_store(remote: str, tmp_path: Path) -> None:
    proc = run_cli("publish", "--store", remote, "--to", str(tmp_path / "replica"), check=2)
    assert "a remote store has none" in proc.stderr
