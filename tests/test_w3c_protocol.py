"""The official W3C SPARQL 1.1 Protocol and Graph Store Protocol test cases, read from the
manifests of w3c/rdf-tests (vendored under ``tests/w3c/``, see ``SOURCES.md``) and run,
request by request, against a real `cdskg serve`: once read-only (the default) and once
with updates on.

Each case is a list of HTTP requests with the answer each must get (status, boolean, result
format, Location, headers, an RDF body isomorphic to the expected one). The manifests' paths
``/sparql/`` and ``/gsp`` are this server's ``/sparql`` and ``/store``; the suite's
``ut:graphData`` is what the store holds before the case runs. A case that cannot apply
(a write on a read-only endpoint) is skipped with its reason, and what the read-only server
does instead is checked by :func:`test_read_only_endpoint_refuses_every_write_of_the_suites`.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pyoxigraph as ox
import pytest
import requests

from cdskg.store.generations import next_generation
from conftest import serving

W3C = Path(__file__).resolve().parent / "w3c"
PROTOCOL = W3C / "protocol" / "manifest.ttl"
GSP = [W3C / "graph-store-protocol" / "manifest-indirect.ttl"]
GSP_DIRECT = W3C / "graph-store-protocol" / "manifest-direct.ttl"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
HTS = "http://www.w3.org/2011/http-statusCodes#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"

TOKEN = "a-long-random-token-for-the-w3c-suites"
T = 60

#: ``hts:`` status names the manifests use, as codes.
STATUS = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}

#: What each ``mf:expectedFormat`` allows (the protocol manifest's own words: "expect one
#: of: XML, JSON, CSV, TSV", "RDF/XML, Turtle, N-Triples, RDFa").
FORMATS = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {
        "application/rdf+xml",
        "text/turtle",
        "application/n-triples",
        "text/html",
        "application/xhtml+xml",
    },
}

#: Media types of expected and actual RDF bodies.
RDF_BODIES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


# ---------------------------------------------------------------- reading the manifests


@dataclass
class Expected:
    statuses: list[str]
    boolean: bool | None = None
    format: str | None = None
    location: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected: Expected

    @property
    def is_write(self) -> bool:
        """An update or a Graph Store write: what a read-only endpoint refuses."""
        if self.path.startswith("/gsp"):
            return self.method in ("PUT", "POST", "DELETE")
        media = self.headers.get("content-type", "").split(";")[0].strip().lower()
        form = dict(parse_qsl(self.body.decode("utf-8", "replace"))) if self.body else {}
        query = dict(parse_qsl(urlsplit(self.path).query))
        return media == "application/sparql-update" or "update" in form or "update" in query

    @property
    def wants_success(self) -> bool:
        return all(
            s in ("OK", "Created", "NoContent", "StatusCode2xx", "StatusCode3xx")
            for s in self.expected.statuses
        )


@dataclass
class Case:
    manifest: str
    name: str
    title: str
    requests: list[Request]
    graph_data: list[tuple[Path, str]]
    requires: set[str]

    @property
    def id(self) -> str:
        return f"{self.manifest}:{self.name}"


class Manifest:
    """The triples of one manifest, with the few look-ups the cases need."""

    def __init__(self, path: Path):
        self.base = path.resolve().as_uri()
        self.triples: dict[tuple[ox.NamedNode | ox.BlankNode, str], list] = {}
        for t in ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=self.base):
            self.triples.setdefault((t.subject, t.predicate.value), []).append(t.object)

    def all(self, subject, predicate: str) -> list:
        return self.triples.get((subject, predicate), [])

    def one(self, subject, predicate: str):
        found = self.all(subject, predicate)
        return found[0] if found else None

    def text(self, subject, predicate: str) -> str | None:
        node = self.one(subject, predicate)
        return None if node is None else node.value

    def items(self, head) -> list:
        out = []
        while head is not None and head != ox.NamedNode(RDF + "nil"):
            out.append(self.one(head, RDF + "first"))
            head = self.one(head, RDF + "rest")
        return out


def _body(m: Manifest, node) -> bytes | None:
    body = m.one(node, HT + "body")
    if body is None:
        return None
    encoding = m.text(body, CNT + "characterEncoding") or "UTF-8"
    return (m.text(body, CNT + "chars") or "").encode(encoding)


def _headers(m: Manifest, node) -> dict[str, str]:
    return {
        (m.text(h, HT + "fieldName") or "").lower(): m.text(h, HT + "fieldValue") or ""
        for h in m.items(m.one(node, HT + "headers"))
    }


def load_cases(path: Path) -> list[Case]:
    m = Manifest(path)
    entries = m.items(m.one(ox.NamedNode(m.base), MF + "entries"))
    cases = []
    for entry in entries:
        action = m.one(entry, MF + "action")
        reqs = []
        for req in m.items(m.one(action, HT + "requests")):
            resp = m.one(req, HT + "resp")
            boolean = m.one(resp, MF + "expectedBoolean")
            body = m.one(resp, HT + "body")
            expected = Expected(
                statuses=sorted(
                    s.value.removeprefix(HTS) for s in m.all(resp, MF + "expectedStatus")
                ),
                boolean=None if boolean is None else boolean.value == "true",
                format=m.text(resp, MF + "expectedFormat"),
                location=m.text(resp, MF + "expectedLocation"),
                headers=_headers(m, resp),
                body=None if body is None else m.text(body, CNT + "chars"),
            )
            reqs.append(
                Request(
                    method=m.text(req, HT + "methodName") or "GET",
                    path=m.text(req, HT + "absolutePath") or "/",
                    headers=_headers(m, req),
                    body=_body(m, req),
                    expected=expected,
                )
            )
        data = [
            (Path(urlsplit(m.text(g, UT + "graph") or "").path), m.text(g, RDFS + "label") or "")
            for g in m.all(entry, UT + "graphData")
        ]
        cases.append(
            Case(
                manifest="gsp" if path.parent.name == "graph-store-protocol" else "protocol",
                name=entry.value.rsplit("#", 1)[1],
                title=m.text(entry, MF + "name") or "",
                requests=reqs,
                graph_data=data,
                requires={r.value.removeprefix(MF) for r in m.all(entry, MF + "requires")},
            )
        )
    return cases


PROTOCOL_CASES = load_cases(PROTOCOL)
GSP_CASES = [case for path in GSP for case in load_cases(path)]
DIRECT_CASES = load_cases(GSP_DIRECT)
ALL_CASES = PROTOCOL_CASES + GSP_CASES + DIRECT_CASES


# ---------------------------------------------------------------- servers


def _graph_data() -> list[tuple[Path, str]]:
    """Every ``ut:graphData`` of the protocol suite (the same three graphs throughout)."""
    return sorted({pair for case in PROTOCOL_CASES for pair in case.graph_data})


def _prepare(store: Path) -> None:
    """The suite's graphs written into ``store`` the way a build writes: a new generation."""
    with next_generation(store) as writable:
        for path, graph in _graph_data():
            writable.load(path=path, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))


@dataclass
class Server:
    base: str
    updates: bool


@pytest.fixture(scope="module", params=["read-only", "updates on"])
def server_mode(
    request: pytest.FixtureRequest,
    built_store: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    updates = request.param == "updates on"
    root = tmp_path_factory.mktemp("w3c")
    store = root / "store"
    shutil.copytree(built_store, store, symlinks=True)
    _prepare(store)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDSKG_ENABLE_UPDATE", "1" if updates else "0")
        if updates:
            mp.setenv("CDSKG_UPDATE_TOKEN", TOKEN)
        with serving(store, root / "serve.log") as base:
            yield Server(base, updates)


# ---------------------------------------------------------------- running a case


def _url(base: str, path: str, variables: dict[str, str]) -> str:
    for name, value in variables.items():
        path = path.replace(name, value)
    if path.startswith("/sparql/"):
        path = "/sparql" + path.removeprefix("/sparql/")
    elif path.startswith("/gsp"):
        path = "/store" + path.removeprefix("/gsp")
    return base + path


def _media(value: str) -> tuple[str, dict[str, str]]:
    media, *params = value.split(";")
    pairs = (p.split("=", 1) for p in params if "=" in p)
    return media.strip().lower(), {
        k.strip().lower(): v.strip().strip('"').lower() for k, v in pairs
    }


def _boolean(resp: requests.Response) -> bool:
    media, _ = _media(resp.headers.get("Content-Type", ""))
    if media == "application/sparql-results+json":
        return json.loads(resp.content)["boolean"]
    if media == "application/sparql-results+xml":
        node = ET.fromstring(resp.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
        assert node is not None, resp.text[:300]
        return (node.text or "").strip() == "true"
    raise AssertionError(f"a boolean answer in {media!r}: {resp.text[:300]}")


def _canonical(data: bytes, fmt: ox.RdfFormat) -> set[ox.Quad]:
    dataset = ox.Dataset(
        ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
        for t in ox.parse(data, format=fmt)
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)


def _status_ok(code: int, statuses: list[str]) -> bool:
    for name in statuses:
        if m := re.fullmatch(r"StatusCode(\d)xx", name):
            if code // 100 == int(m.group(1)):
                return True
        elif STATUS[name] == code:
            return True
    return False


def run_case(case: Case, server: Server) -> None:
    if server.updates:
        _reset(server.base, case)
    variables: dict[str, str] = {}
    for step, req in enumerate(case.requests, 1):
        where = f"{case.id} request {step} ({req.method} {req.path[:80]})"
        headers = dict(req.headers)
        if server.updates:
            headers["authorization"] = f"Bearer {TOKEN}"
        body = req.body
        if body is not None:
            for name, value in variables.items():
                body = body.replace(name.encode(), value.encode())
        resp = requests.request(
            req.method,
            _url(server.base, req.path, variables),
            headers=headers,
            data=body,
            timeout=T,
            allow_redirects=False,
        )
        exp = req.expected
        assert _status_ok(resp.status_code, exp.statuses), (
            f"{where}: status {resp.status_code}, expected {exp.statuses}: {resp.text[:400]}"
        )
        if exp.location is not None:
            location = resp.headers.get("Location")
            assert location, f"{where}: no Location header"
            variables[exp.location] = location
        media, params = _media(resp.headers.get("Content-Type", ""))
        if exp.format is not None:
            assert media in FORMATS[exp.format], f"{where}: {media!r} is not {exp.format}"
        if exp.boolean is not None:
            assert _boolean(resp) is exp.boolean, f"{where}: {resp.text[:300]}"
        for name, value in exp.headers.items():
            actual = resp.headers.get(name, "")
            if name == "content-type":
                want_media, want_params = _media(value)
                assert media == want_media and all(
                    params.get(k) == v for k, v in want_params.items()
                ), f"{where}: Content-Type {actual!r}, expected {value!r}"
            else:
                assert actual == value, f"{where}: {name} {actual!r}, expected {value!r}"
        if exp.body is not None and req.method != "HEAD":
            want_media, _ = _media(exp.headers.get("content-type", "text/turtle"))
            want = _canonical(exp.body.encode(), RDF_BODIES[want_media])
            got = _canonical(resp.content, RDF_BODIES[media])
            assert got == want, f"{where}: the graph differs:\n{resp.text[:1500]}"


def _reset(base: str, case: Case) -> None:
    """Before each case: an empty store but the case's ``ut:graphData``, written by an update
    as a client of the suite would; each case assumes it starts from that."""
    data = " ".join(
        f"GRAPH <{graph}> {{ {path.read_text(encoding='utf-8')} }}"
        for path, graph in case.graph_data
    )
    update = "DROP ALL" + (f" ; INSERT DATA {{ {data} }}" if data else "")
    r = requests.post(
        base + "/sparql",
        data=update.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        timeout=T,
    )
    assert r.status_code == 204, r.text


def _skip_reason(case: Case, server: Server) -> str | None:
    if not server.updates and any(r.is_write and r.wants_success for r in case.requests):
        return (
            "a write on a read-only endpoint (updates off): refused instead, checked by"
            " test_read_only_endpoint_refuses_every_write_of_the_suites"
        )
    return None


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_w3c_case(case: Case, server_mode: Server) -> None:
    reason = _skip_reason(case, server_mode)
    if reason:
        pytest.skip(reason)
    run_case(case, server_mode)


def test_the_manifests_were_read_whole() -> None:
    """Every entry of the vendored manifests became a case with its requests (a parsing
    slip would otherwise run fewer cases and still report 0 failures)."""
    assert len(PROTOCOL_CASES) == 34 and len(GSP_CASES) == 9 and len(DIRECT_CASES) == 4
    assert all(case.requests for case in ALL_CASES)
    assert all(r.expected.statuses for case in ALL_CASES for r in case.requests)


def test_read_only_endpoint_refuses_every_write_of_the_suites(
    built_store: Path, tmp_path: Path
) -> None:
    """What the skipped cases send, against the read-only default: each update and Graph
    Store write is answered 4xx (403 for updates, 405 with Allow for Graph Store writes) and
    the store version does not move."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDSKG_ENABLE_UPDATE", "0")
        with serving(built_store, tmp_path / "serve.log") as base:
            before = requests.get(base + "/health", timeout=T).json()["store_version"]
            writes = [r for case in ALL_CASES for r in case.requests if r.is_write]
            assert len(writes) > 20
            for req in writes:
                resp = requests.request(
                    req.method,
                    _url(base, req.path, {"$LOCATION$": "http://www.example/gsp/x"}),
                    headers=req.headers,
                    data=req.body,
                    timeout=T,
                )
                if req.path.startswith("/gsp"):
                    assert resp.status_code == 405 and "GET" in resp.headers["Allow"], req.path
                else:
                    assert 400 <= resp.status_code < 500, (req.path, resp.status_code)
            after = requests.get(base + "/health", timeout=T).json()["store_version"]
            assert after == before
