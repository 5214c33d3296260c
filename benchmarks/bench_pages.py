"""Pages and catalogue queries at scale (issue 23): p50 and p95 over HTTP of every page kind
and every catalogue query of a real ``cdskg serve``, and beside each catalogue query the time
``oxigraph serve-read-only`` takes for the same query text on the same data, in one run.

    python benchmarks/bench_pages.py [--sizes 100000,1000000] [--repeat 20] [--work DIR]

Data, per size: a seed store is built once by the real CLI (``cdskg build``) from the sample
articles (``--corpus``, ../shared/corpus/articles: the catalogue's default article and
locality) and ``--seed-articles`` articles of ``benchmarks/synthetic.py`` (each about a random
ward, with the sentences of tests/paragraphs/); its article graphs are then copied to about N
observations with the bulk loader (``bench_export.synthesise``; the first copy keeps the
seed's names). The download files and the search index of the store version are written by
the server's own preparer before the servers start (timed: ``prepare``). Both servers read the
same generation directory; both run with the same per-query time limit
(``CDSKG_QUERY_TIMEOUT``, 30 s unless set, or ``--timeout``).

Measured, one request at a time on one kept-alive connection per server:

* pages: every kind of page the server has (home, locality pages of a pre-2025 district, the
  commune or ward and the locality with the most facts and of a 2025 province, indicator pages
  of the most used indicator and of ``unclassified``, the pillar page, an article, an
  observation, its evidence, generic resource pages of a period and of the dataset, the facts
  table, the localities, search, downloads, the catalogue index, the ontology, the vocabulary,
  the DCAT catalogue, VoID, the validation report, the query editor); the IRIs are those with
  the most facts in the seed (the same in every copy), found before the servers start;
* catalogue queries (``queries/*.rq``, with their declared defaults): the page
  (``GET /queries/NAME``, as a browser asks) and the API (``?format=json``), then the same
  query on oxigraph: the file's text with the predeclared prefixes written out and the
  defaults bound by ``VALUES`` at the start of each ``WHERE``, as cdskg binds them; both
  answers' row counts are printed, and should agree.

Each row: one first request (reported as ``first``, not in the percentiles: it pays for caches
a worker fills once per store version), then up to ``--repeat`` requests, fewer once a row
has taken ``--budget`` seconds (at least ``--min-repeat``); p95 is the nearest rank. An answer
cut by the time limit is reported as a timeout and the row stops there (cdskg then replaces
the worker, which the benchmark waits for); other failures are reported with their status
and error (``HTTP 503 memory limit``: the worker passed ``CDSKG_MAX_WORKER_BYTES``). cdskg's
result cache keeps ``/sparql`` answers only, which are not measured here: every request does
its work again. Pages are asked for with ``Accept-Encoding: gzip``, like browsers; the API and
oxigraph without. oxigraph's time limit does not stop every query: one that runs past it is
ended with its server (restarted for the next request), and so is a server that holds more
than ``--oxigraph-mb``. Targets (issue 23): p95 ≤ 0.5 s up to 100k observations, ≤ 2 s
up to 1M. A JSON record of every sample goes to ``--out``.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_export import synthesise
from bench_http import BIN, start_cdskg, start_oxigraph, stop, wait_up
from synthetic import make_corpus

from cdskg.publish import prepare, query_catalogue
from cdskg.rdf.namespaces import PREFIXES, sparql_prologue
from cdskg.settings import from_env
from cdskg.store.generations import open_read_only

REPO = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = REPO.parent / "shared" / "corpus" / "articles"
ID = "https://w3id.org/cdskg/id/"
QB_OBSERVATION = ox.NamedNode("http://purl.org/linked-data/cube#Observation")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
#: p95 targets of issue 23, seconds: (up to this many observations, target)
TARGETS = ((100_000, 0.5), (1_000_000, 2.0))
HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = "application/sparql-results+json"
#: cdskg's answer to a request stopped at the time limit, and oxigraph's (a 200 whose
#: body ends with this, as it streams the answer)
CDSKG_TIMEOUT = b"query timeout"
OXIGRAPH_TIMEOUT = b"operation has been cancelled"


def target(observations: int) -> float | None:
    """The p95 target for a store of this size (the 100k one holds a fortiori below it)."""
    return next((t for n, t in TARGETS if observations <= n), None)


# --- data ---------------------------------------------------------------------------------


def build_seed(work: Path, articles: int, corpus: Path | None) -> Path:
    """The seed store, built by the real CLI from the sample articles and ``articles`` of
    benchmarks/synthetic.py's; reused if present."""
    seed = work / "seed"
    if (seed / "current").exists():
        return seed
    folders = [str(corpus)] if corpus is not None else []
    if articles:
        make_corpus(work / "corpus", articles)
        folders.append(str(work / "corpus"))
    t = time.monotonic()
    report = work / "seed.report.json"
    proc = subprocess.run(
        [str(BIN / "cdskg"), "build", *folders, "--store", str(seed), "--report", str(report)],
        capture_output=True,
        text=True,
    )
    if proc.returncode not in (0, 1):  # 1: some figures held back, the rest loaded
        raise SystemExit(f"building the seed store failed:\n{proc.stderr[-3000:]}")
    summary = [ln for ln in proc.stdout.splitlines() if ln.startswith(("built", "nothing"))]
    print(f"seed store: {' '.join(summary)} ({time.monotonic() - t:.0f} s)")
    return seed


def count_observations(store: ox.Store) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, RDF_TYPE, QB_OBSERVATION, None))


def _one(store: ox.Store, query: str) -> str | None:
    for row in store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True):
        return row[0].value
    return None


def _has_facts(store: ox.Store, iri: str, predicate: str) -> bool:
    ask = f"ASK {{ ?o {predicate} <{iri}> }}"
    return bool(store.query(ask, prefixes=PREFIXES, use_default_graph_as_union=True))


def _most(store: ox.Store, pattern: str, extra: str = "") -> str | None:
    """The ?x of ``pattern`` with the most observations ?o (ties: by IRI)."""
    return _one(
        store,
        f"SELECT ?x (COUNT(?o) AS ?n) WHERE {{ ?o a qb:Observation . {pattern} {extra} }}"
        " GROUP BY ?x ORDER BY DESC(?n) ?x LIMIT 1",
    )


def _path(iri: str | None) -> str | None:
    return "/id/" + urllib.parse.quote(iri[len(ID) :], safe="/-._~") if iri else None


@dataclass(frozen=True)
class Request:
    kind: str  # "page", "query page", "query API", "oxigraph"
    name: str
    path: str
    accept: str = HTML
    gzip: bool = True
    body: str | None = None  # a POSTed query (oxigraph)


def pages(seed: ox.Store) -> list[Request]:
    """Every page kind, on the IRIs of the seed with the most facts (the same in the copies)."""
    default_area = f"{ID}unit/pre2025/district/918"  # locality-profile's default
    default_article = f"{ID}article/000-41fe44b677ccd56a"  # article-facts' default
    area = "?o sdmx-dimension:refArea ?x ."
    lowest = " ".join(f"<{ID}level/{level}>" for level in ("commune", "ward", "township"))
    picks = {
        "locality: catalogue default (pre-2025 district)": default_area
        if _has_facts(seed, default_area, "sdmx-dimension:refArea")
        else _most(seed, area, f"?x cdskg:level <{ID}level/district>"),
        "locality: most facts": _most(seed, area),
        "locality: commune or ward with most facts": _most(
            seed, area, f"?x cdskg:level ?level VALUES ?level {{ {lowest} }}"
        ),
        "locality: 2025 province (its predecessors' facts)": _most(
            seed,
            "?o sdmx-dimension:refArea ?old . ?old dcterms:isReplacedBy ?x .",
            'FILTER(CONTAINS(STR(?x), "/unit/2025/province/"))',
        ),
        "indicator: most used": _most(
            seed, "?o cdskg:indicator ?x .", f"FILTER(?x != <{ID}indicator/unclassified>)"
        ),
        "indicator: unclassified": f"{ID}indicator/unclassified",
        "pillar: most facts": _most(seed, "?o cdskg:pillar ?x ."),
        "article: catalogue default": default_article
        if _has_facts(seed, default_article, "cdskg:sourceArticle")
        else _most(seed, "?o cdskg:sourceArticle ?x ."),
    }
    article = picks["article: catalogue default"]
    obs = _one(
        seed,
        f"SELECT ?o WHERE {{ ?o cdskg:sourceArticle <{article}> ; cdskg:evidence ?e }}"
        " ORDER BY ?o LIMIT 1",
    )
    picks["observation"] = obs
    picks["evidence"] = _one(seed, f"SELECT ?e WHERE {{ <{obs}> cdskg:evidence ?e }} LIMIT 1")
    picks["generic: period with most facts"] = _most(seed, "?o sdmx-dimension:refPeriod ?x .")
    picks["generic: the dataset"] = _most(seed, "?o qb:dataSet ?x .")
    indicator = picks["indicator: most used"] or ""
    short = indicator.rsplit("/", 1)[-1]
    out = [Request("page", "home", "/")]
    out += [Request("page", name, path) for name, iri in picks.items() if (path := _path(iri))]
    out += [
        Request("page", "facts table", "/facts"),
        Request("page", "facts: one indicator, by value", f"/facts?indicator={short}&sort=-value"),
        Request("page", "localities", "/localities"),
        Request("page", "search: a place and words", "/search?q=binh+thuy+dich+vu+cong"),
        Request("page", "search: common words", "/search?q=chuyen+doi+so"),
        Request("page", "downloads", "/downloads"),
        Request("page", "catalogue index", "/queries"),
        Request("page", "ontology", "/ontology"),
        Request("page", "vocabulary (JSON)", "/vocabulary", accept="application/json"),
        Request("page", "DCAT catalogue (Turtle)", "/catalog", accept="text/turtle"),
        Request("page", "VoID (Turtle)", "/void", accept="text/turtle"),
        Request("page", "validation report", "/validation"),
        Request("page", "query editor", "/sparql"),
    ]
    return out


def oxigraph_text(q: query_catalogue.CatalogueQuery) -> str:
    """The catalogue query as a plain SPARQL text: the prefixes cdskg predeclares written out,
    and its declared defaults as ``VALUES`` at the start of every ``WHERE`` group, the top
    query's and each subquery's (the text cdskg itself runs: ``bound_text``)."""
    return sparql_prologue() + (q.bound_text(q.bindings({})) or q.text)


def catalogue_requests(q: query_catalogue.CatalogueQuery) -> list[Request]:
    page = "/queries/" + urllib.parse.quote(q.name)
    return [
        Request("query page", q.name, page),
        Request("query API", q.name, page + "?format=json", accept=JSON, gzip=False),
        Request("oxigraph", q.name, "/query", accept=JSON, gzip=False, body=oxigraph_text(q)),
    ]


# --- measuring ----------------------------------------------------------------------------


@dataclass
class Row:
    kind: str
    name: str
    path: str
    status: str = "ok"  # ok, timeout, or what failed (HTTP status, error)
    first: float | None = None
    times: list[float] = field(default_factory=list)
    rows: int | None = None  # result rows (API and oxigraph)
    target: float | None = None

    @property
    def p50(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def p95(self) -> float | None:
        if not self.times:
            return None
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def meets(self) -> bool | None:
        """Whether p95 is within the target (a timeout or failure is not)."""
        if self.target is None:
            return None
        return self.status == "ok" and self.p95 is not None and self.p95 <= self.target

    def record(self) -> dict:
        out = asdict(self)
        out.update(p50=self.p50, p95=self.p95, meets=self.meets)
        return out


class Server:
    """A server under measurement: its process, and how to start it again after a failure.

    ``max_mb`` (oxigraph): a watchdog ends the server when its resident memory passes this
    while a request runs (oxigraph's time limit does not stop every query, and one held 11 GB
    of this shared machine within minutes on 2,756 observations); the request then fails as
    ``memory > N MB``, and the next one starts the server again.
    """

    def __init__(self, name: str, start, max_mb: float | None = None) -> None:
        self.name = name
        self._start = start
        self.max_mb = max_mb
        self.proc, self.base = start()
        self.killed = threading.Event()
        self.peak_mb = 0.0  # the largest process's resident memory seen during requests

    def restart(self) -> None:
        stop(self.proc)
        self.proc, self.base = self._start()

    def stop(self) -> None:
        stop(self.proc)

    def watch(self, done: threading.Event) -> None:
        while not done.wait(0.2):
            per_process = _memory_mb(self.proc.pid, "VmRSS")
            self.peak_mb = max(self.peak_mb, *per_process.values(), 0.0)
            if self.max_mb is not None and sum(per_process.values()) > self.max_mb:
                self.killed.set()
                self.proc.kill()
                return


class Client:
    """One kept-alive connection to a server; reconnects after the server closes it."""

    def __init__(self, server: Server, deadline: float) -> None:
        self.server = server
        self.deadline = deadline
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        host, port = self.server.base.removeprefix("http://").split(":")
        return http.client.HTTPConnection(host, int(port), timeout=self.deadline)

    def fetch(self, req: Request) -> tuple[float, str, bytes]:
        """(seconds to the answer's last byte, "ok" | "timeout" | what failed, body). A kept
        connection the server closed while idle is opened again and the request sent once
        more; a server the watchdog ended, or one that ran past the client's deadline (and so
        past its own time limit), is started again for the next request."""
        for attempt in (1, 2):
            seconds, status, data = self._once(req)
            dropped = status in ("BrokenPipeError", "RemoteDisconnected", "ConnectionResetError")
            if not (dropped and attempt == 1 and not self.server.killed.is_set()):
                break
        if self.server.killed.is_set():
            self.server.killed.clear()
            self.server.restart()
            self.conn = self._connect()
            return seconds, f"memory > {self.server.max_mb:g} MB", b""
        if status == "timeout" and not data:  # the server did not stop at its limit
            self.server.restart()
            self.conn = self._connect()
        return seconds, status, data

    def _once(self, req: Request) -> tuple[float, str, bytes]:
        headers = {"Accept": req.accept}
        if req.gzip:
            headers["Accept-Encoding"] = "gzip"
        method, body = "GET", None
        if req.body is not None:
            method, body = "POST", req.body.encode("utf-8")
            headers["Content-Type"] = "application/sparql-query"
        done = threading.Event()
        watchdog = threading.Thread(target=self.server.watch, args=(done,), daemon=True)
        watchdog.start()
        start = time.perf_counter()
        try:
            self.conn.request(method, req.path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
            seconds = time.perf_counter() - start
        except TimeoutError:
            self.conn.close()
            self.conn = self._connect()
            return time.perf_counter() - start, "timeout", b""
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = self._connect()
            return time.perf_counter() - start, type(exc).__name__, b""
        finally:
            done.set()
            watchdog.join()
        if resp.status == 503 and CDSKG_TIMEOUT in data:
            return seconds, "timeout", data
        if OXIGRAPH_TIMEOUT in data[-200:]:
            return seconds, "timeout", data
        if resp.status != 200:
            try:
                why = json.loads(data)["error"]
            except (ValueError, KeyError, TypeError):
                why = data[:80].decode("utf-8", "replace")
            return seconds, f"HTTP {resp.status} {why}".strip(), data
        return seconds, "ok", data


def _result_rows(body: bytes) -> int | None:
    try:
        return len(json.loads(body)["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return None


def measure(client: Client, req: Request, args: argparse.Namespace, goal: float | None) -> Row:
    row = Row(req.kind, req.name, req.path, target=goal)
    seconds, status, body = client.fetch(req)
    row.first = seconds
    if req.accept == JSON:
        row.rows = _result_rows(body)
    if status != "ok":
        row.status = status
        _after_failure(client)
        return row
    began = time.monotonic()
    while len(row.times) < args.repeat and (
        len(row.times) < args.min_repeat or time.monotonic() - began < args.budget
    ):
        seconds, status, _ = client.fetch(req)
        if status != "ok":
            row.status = status
            _after_failure(client)
            break
        row.times.append(seconds)
    return row


def _after_failure(client: Client) -> None:
    """cdskg replaces a worker stopped at the time or memory limit: wait for the new one, so
    that the next row does not pay for its start."""
    if client.server.name == "cdskg":
        time.sleep(8)
        wait_up(client.server.base + "/health")


def _s(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _cell(row: Row) -> str:
    if row.status == "timeout":
        return f"timeout ({_s(row.first)} s)"
    if row.status != "ok":
        return row.status
    return f"{_s(row.p50)} / {_s(row.p95)}"


def _mark(*rows: Row) -> str:
    marks = [r.meets for r in rows]
    if any(m is None for m in marks):
        return "–"
    return "yes" if all(marks) else "**no**"


def print_tables(n: int, page_rows: list[Row], query_rows: dict[str, dict[str, Row]]) -> None:
    goal = target(n)
    print()
    print(f"Pages, {n:,} observations; seconds; p95 target {goal if goal else '–'} s")
    print()
    print("| page | path | p50 / p95 | n | first | p95 ≤ target |")
    print("|---|---|---|---|---|---|")
    for r in page_rows:
        path = r.path if len(r.path) <= 60 else r.path[:57] + "…"
        print(f"| {r.name} | `{path}` | {_cell(r)} | {len(r.times)} | {_s(r.first)} | {_mark(r)} |")
    print()
    print(f"Catalogue queries, {n:,} observations; seconds, p50 / p95 (n)")
    print()
    print("| query | page | API | oxigraph | rows cdskg / oxigraph | p95 ≤ target |")
    print("|---|---|---|---|---|---|")
    for name, rows in query_rows.items():
        page, api, oxi = rows["query page"], rows["query API"], rows["oxigraph"]
        counts = f"{api.rows if api.rows is not None else '–'} / "
        counts += f"{oxi.rows if oxi.rows is not None else '–'}"
        if api.rows is not None and oxi.rows is not None and api.rows != oxi.rows:
            counts += " **differ**"
        cells = [f"{_cell(r)} ({len(r.times)})" for r in (page, api, oxi)]
        print(f"| {name} | {' | '.join(cells)} | {counts} | {_mark(page, api)} |")
    every = page_rows + [
        r for rows in query_rows.values() for k, r in rows.items() if k != "oxigraph"
    ]
    met = sum(1 for r in every if r.meets)
    print()
    print(f"{met} of {len(every)} cdskg rows meet the target (p95 ≤ {goal} s)" if goal else "")


def _memory_mb(pid: int, field: str) -> dict[int, float]:
    """``field`` of /proc/PID/status (VmRSS: resident memory now, VmHWM: its peak), in MB,
    of ``pid`` and its descendants, by process id."""
    out: dict[int, float] = {}
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            found = re.search(rf"{field}:\s+(\d+) kB", status)
            if found:
                out[p] = int(found.group(1)) / 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def run_size(n: int, seed: Path, work: Path, args: argparse.Namespace, timeout: float) -> dict:
    root = work / f"store-{n}"
    t = time.monotonic()
    synthesise(seed, root, n)
    made = time.monotonic() - t
    st, version = open_read_only(root)
    observations, quads = count_observations(st), len(st)
    del st
    print(f"store of {observations:,} observations, {quads:,} quads ({made:.0f} s)", flush=True)
    folder = prepare.downloads_root(root) / version
    folder.mkdir(parents=True, exist_ok=True)
    t = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "cdskg.publish.prepare", str(root), version, str(folder)],
        check=True,
        capture_output=True,
    )
    prepared = time.monotonic() - t
    print(f"prepare (downloads, search index) {prepared:.0f} s", flush=True)
    seed_store, _ = open_read_only(seed)
    requests = pages(seed_store)
    queries = query_catalogue.load_all(REPO / "queries")
    del seed_store
    env = {"CDSKG_QUERY_TIMEOUT": f"{timeout:g}"}
    goal = target(observations)
    deadline = timeout + 10  # the client waits a little past the servers' own limit
    generation = root / "generations" / version
    cdskg = Server("cdskg", lambda: start_cdskg(root, env, args.workers))
    oxigraph = Server(
        "oxigraph", lambda: start_oxigraph(generation, timeout=timeout), max_mb=args.oxigraph_mb
    )
    load_before = os.getloadavg()
    page_rows: list[Row] = []
    query_rows: dict[str, dict[str, Row]] = {}
    try:
        wait_up(cdskg.base + "/search?q=a", timeout=120)
        to_cdskg, to_oxigraph = Client(cdskg, deadline), Client(oxigraph, deadline)
        for req in requests:
            row = measure(to_cdskg, req, args, goal)
            page_rows.append(row)
            print(f"{row.name:52} {_cell(row):>24}  n={len(row.times)}", flush=True)
        for q in queries:
            rows = {}
            for req in catalogue_requests(q):
                client = to_oxigraph if req.kind == "oxigraph" else to_cdskg
                row = measure(client, req, args, None if req.kind == "oxigraph" else goal)
                rows[req.kind] = row
                print(
                    f"{q.name + ' (' + req.kind + ')':52} {_cell(row):>24}  n={len(row.times)}"
                    + (f"  rows={row.rows}" if row.rows is not None else ""),
                    flush=True,
                )
            query_rows[q.name] = rows
    finally:
        cdskg.stop()
        oxigraph.stop()
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(
        f"largest process seen during requests: cdskg {cdskg.peak_mb:.0f} MB (a worker),"
        f" oxigraph {oxigraph.peak_mb:.0f} MB (sampled every 0.2 s)"
    )
    print_tables(observations, page_rows, query_rows)
    return {
        "observations": observations,
        "quads": quads,
        "store_seconds": made,
        "prepare_seconds": prepared,
        "target_p95_seconds": goal,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "largest_process_mb": {"cdskg": cdskg.peak_mb, "oxigraph": oxigraph.peak_mb},
        "pages": [r.record() for r in page_rows],
        "queries": {
            name: {k: r.record() for k, r in rows.items()} for name, rows in query_rows.items()
        },
    }


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000", help="observations, comma-separated")
    ap.add_argument("--seed-articles", type=int, default=1000, help="synthetic articles built")
    ap.add_argument(
        "--corpus", default=str(SAMPLE_CORPUS), help="sample articles in the seed ('-': none)"
    )
    ap.add_argument("--repeat", type=int, default=20, help="measured requests per row")
    ap.add_argument("--min-repeat", type=int, default=3)
    ap.add_argument("--budget", type=float, default=30.0, help="seconds per row, about")
    ap.add_argument("--timeout", type=float, help="per-query time limit (CDSKG_QUERY_TIMEOUT)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--oxigraph-mb",
        type=float,
        default=4000,
        help="end oxigraph past this resident memory (MB), as a request failure",
    )
    ap.add_argument("--work", type=Path, help="keep the stores here and reuse them next time")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "pages.json")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    timeout = args.timeout if args.timeout is not None else from_env().query_timeout
    corpus = None if args.corpus == "-" else Path(args.corpus)
    if corpus is not None and not corpus.is_dir():
        print(f"{corpus}: no such folder (--corpus - to leave the sample articles out)")
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="cdskg-bench-pages-"))
    work.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": "bench_pages",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "settings": {k: v for k, v in vars(args).items() if k not in ("work", "out")}
        | {"timeout": timeout},
        "sizes": [],
    }
    print(f"commit {result['commit']}, {result['date']}; time limit {timeout:g} s")
    try:
        seed = build_seed(work, args.seed_articles, corpus)
        for n in sizes:
            result["sizes"].append(run_size(n, seed, work, args, timeout))
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    finally:
        if not args.work:
            for n in sizes:
                shutil.rmtree(prepare.downloads_root(work / f"store-{n}"), ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
