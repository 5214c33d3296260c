"""A soak under mixed load, `cdskg serve` and `oxigraph serve-read-only` in one run (issue 18,
defect 10): do cheap queries keep their latency while expensive ones and downloads run?

Phase **mix** (``--seconds``, 60 by default), 32 kept-alive connections at once:

* 24 point lookups (a random observation's triples), measured: p50, p99, errors;
* 4 aggregates, each its own (GROUP BY over every observation, one per pillar and one
  over all), one after another;
* 4 downloads of the whole dataset (``GET /store``, N-Quads).

Phase **runaways** (``--seconds`` / 2): 24 point lookups beside 4 queries that never end
(a three-way cross product); cdskg stops each at its time limit (``--timeout``), oxigraph
evaluates them until the client gives up.

The servers take turns (one at a time on the machine, which is shared: compare the two
columns, not figures from another run). The same data as ``bench_http.py``: the built
store's quads (``--store``) plus synthetic observations.

    python benchmarks/bench_soak.py --store data/store --observations 100000
"""

from __future__ import annotations

import argparse
import collections
import http.client
import multiprocessing
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http import (
    ID,
    ONT,
    PILLARS,
    SDMX_MEAS,
    prepare,
    start_cdskg,
    start_oxigraph,
    stop,
)

POINT = "SELECT ?p ?o WHERE {{ <" + ID + "obs/syn/{n}> ?p ?o }}"
AGGREGATES = [
    f"SELECT ?i (COUNT(?o) AS ?n) (AVG(?v) AS ?avg) WHERE {{ ?o <{ONT}pillar> <{ID}pillar/{p}> ;"
    f" <{ONT}indicator> ?i ; <{SDMX_MEAS}obsValue> ?v }} GROUP BY ?i"
    for p in PILLARS
] + [
    f"SELECT ?p (COUNT(?o) AS ?n) (MAX(?v) AS ?max) WHERE {{ ?o <{ONT}pillar> ?p ;"
    f" <{SDMX_MEAS}obsValue> ?v }} GROUP BY ?p"
]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = "application/sparql-results+json"


def _request(conn: http.client.HTTPConnection, path: str, accept: str, timeout: float) -> int:
    conn.timeout = timeout
    if conn.sock is not None:
        conn.sock.settimeout(timeout)
    conn.request("GET", path, headers={"Accept": accept})
    resp = conn.getresponse()
    while resp.read(1 << 16):
        pass
    return resp.status


def _client(
    kind: str, base: str, endpoint: str, until: float, n: int, seed: int, out: list
) -> None:
    """One connection sending ``kind`` requests until ``until``; appends (kind, seconds,
    status or error) for each."""
    host, port = base.removeprefix("http://").split(":")
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    i = 0
    while time.monotonic() < until:
        if kind == "point":
            query, accept, timeout = POINT.format(n=rnd.randrange(n)), JSON, 30.0
        elif kind == "aggregate":
            query, accept, timeout = AGGREGATES[seed % len(AGGREGATES)], JSON, 120.0
        elif kind == "runaway":
            query, accept, timeout = RUNAWAY, JSON, max(1.0, until - time.monotonic())
        else:
            query, accept, timeout = None, "application/n-quads", 300.0
        path = "/store" if query is None else f"{endpoint}?query={urllib.parse.quote(query)}"
        started = time.monotonic()
        try:
            status: int | str = _request(conn, path, accept, timeout)
        except (OSError, http.client.HTTPException) as exc:
            status = type(exc).__name__
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
        out.append((kind, time.monotonic() - started, status))
        i += 1
    conn.close()


def _process(lanes: list[tuple[str, int]], base: str, endpoint: str, until: float, n: int, q):
    out: list = []
    threads = [
        threading.Thread(target=_client, args=(kind, base, endpoint, until, n, seed, out))
        for kind, seed in lanes
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    q.put(out)


def run_phase(base: str, endpoint: str, mix: dict[str, int], seconds: float, n: int) -> list:
    """The connections of ``mix`` (kind → count) for ``seconds``, spread over a few client
    processes (8 connections each), so the client's own GIL does not set the latency."""
    lanes = [(kind, i) for kind, count in mix.items() for i in range(count)]
    random.Random(1).shuffle(lanes)
    groups = [lanes[i : i + 8] for i in range(0, len(lanes), 8)]
    until = time.monotonic() + seconds
    q: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_process, args=(g, base, endpoint, until, n, q))
        for g in groups
    ]
    for p in procs:
        p.start()
    results = []
    for _ in procs:
        results += q.get(timeout=seconds + 400)
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():
            p.kill()
    return results


def summary(results: list, kind: str) -> str:
    times = sorted(t for k, t, s in results if k == kind and s == 200)
    failed = collections.Counter(str(s) for k, _t, s in results if k == kind and s != 200)
    errors = sum(failed.values())
    if failed:
        errors = f"{errors} ({', '.join(f'{n}× {s}' for s, n in failed.most_common(3))})"
    if not times:
        return f"{kind}: none answered, {errors} errors"
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return (
        f"{kind}: {len(times)} answered, p50 {statistics.median(times) * 1000:.1f} ms,"
        f" p99 {p99 * 1000:.1f} ms, {errors} errors"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, help="a cdskg store whose quads are included")
    ap.add_argument("--observations", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--timeout", type=float, default=30.0, help="cdskg's CDSKG_QUERY_TIMEOUT")
    ap.add_argument("--only", choices=("oxigraph", "cdskg"), help="run one server only")
    args = ap.parse_args()
    mix = {"point": 24, "aggregate": 4, "download": 4}
    runaways = {"point": 24, "runaway": 4}
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        work = Path(tmp)
        oxdir, store = prepare(args.store, args.observations, work)
        env = {"CDSKG_CACHE_BYTES": "0", "CDSKG_QUERY_TIMEOUT": str(args.timeout)}
        servers = {
            "oxigraph": (lambda: start_oxigraph(oxdir), "/query"),
            "cdskg": (lambda: start_cdskg(store, env, 2), "/sparql"),
        }
        for name, (start, endpoint) in servers.items():
            if args.only and name != args.only:
                continue
            for phase, lanes, seconds in (
                ("mix", mix, args.seconds),
                ("runaways", runaways, args.seconds / 2),
            ):
                proc, base = start()
                try:
                    results = run_phase(base, endpoint, lanes, seconds, args.observations)
                finally:
                    stop(proc)
                print(f"{name:9} {phase:9} {summary(results, 'point')}")
                for kind in lanes:
                    if kind != "point":
                        print(f"{'':19} {summary(results, kind)}")
                sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
