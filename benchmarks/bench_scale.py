"""Scaling out, in one run: the same synthetic corpus built locally with --jobs 1 and
--jobs 2, on a Dask cluster (a scheduler and one, then two single-threaded workers on
this machine) and into a real `oxigraph serve` (``--store http://…``, after a first build
that wrote the reference data); articles per second, the scaling efficiency of two workers
over one, and the writer's ceiling (the serial part: the one process that loads every
article) next to pyoxigraph's bulk load of the same quads, measured in the same run.

    .venv/bin/python benchmarks/bench_scale.py --articles 400

Wall times on a shared machine count other people's work; the CPU figures (from the build
reports' timings) do not, so both are printed. The workers are warmed up (their builders
made) before each timed Dask build, as a long-running cluster's are.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import make_corpus

from cdskg.rdf import iri
from cdskg.store.generations import open_read_only

REPO = Path(__file__).resolve().parents[1]
CDSKG = [sys.executable, "-m", "cdskg.cli"]
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src"), "RAYON_NUM_THREADS": "1"}


def build_remote(corpus: Path, report_at: Path, url: str) -> dict:
    """A build into a SPARQL server (``--store URL``)."""
    return build(corpus, report_at, store_arg=url)


def build(corpus: Path, store: Path, *extra: str, store_arg: str | None = None) -> dict:
    """The real CLI build; its report (with the wall seconds measured here)."""
    report = store.with_suffix(".json")
    if "--store" in extra:  # a server's URL given: the report is still written here
        i = extra.index("--store")
        store_arg, extra = extra[i + 1], extra[:i] + extra[i + 2 :]
    start = time.perf_counter()
    proc = subprocess.run(
        [
            *CDSKG,
            "build",
            str(corpus),
            "--store",
            store_arg or str(store),
            "--report",
            str(report),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=REPO,
    )
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"build {' '.join(extra)} failed: {proc.stderr[-2000:]}")
    data = json.loads(report.read_text(encoding="utf-8"))
    if data["counts"]["failed"]:
        raise SystemExit(f"articles failed in build {' '.join(extra)}: {proc.stderr[-2000:]}")
    data["wall"] = wall
    return data


@contextlib.contextmanager
def cluster(logs: Path) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """A Dask scheduler on 127.0.0.1; yields its address and the list workers go into."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _dask(["scheduler", "--host", "127.0.0.1", "--port", str(port)], logs / "s.log")
    workers: list[subprocess.Popen] = []
    try:
        yield address, workers
    finally:
        for proc in [*workers, scheduler]:
            proc.terminate()
            proc.wait(timeout=30)


def _dask(args: list[str], log: Path) -> subprocess.Popen:
    fh = log.open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *args, "--no-dashboard"],
        env=ENV,
        cwd=REPO,
        stdout=fh,
        stderr=subprocess.STDOUT,
    )


def add_worker(address: str, workers: list[subprocess.Popen], logs: Path) -> None:
    from distributed import Client

    n = len(workers)
    args = ["worker", address, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1"]
    workers.append(_dask([*args, "--name", f"w{n}"], logs / f"w{n}.log"))
    with Client(address, timeout=60, set_as_default=False) as client:
        client.wait_for_workers(n + 1, timeout=120)


@contextlib.contextmanager
def oxigraph_server(folder: Path) -> Iterator[str]:
    """A real `oxigraph serve` (the PyPI package's binary, next to this Python) on a free
    port; its URL."""
    import socket
    import urllib.request

    binary = Path(sys.executable).with_name("oxigraph")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (folder / "oxigraph.log").open("w")
    proc = subprocess.Popen(
        [str(binary), "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/query?query=ASK%20%7B%7D", timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"oxigraph serve did not start: see {folder / 'oxigraph.log'}"
                ) from None
            time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def article_quads(store_root: Path, out: Path) -> int:
    """The article graphs of the built store as N-Quads (what the writer loaded)."""
    store, _ = open_read_only(store_root)
    graphs = [g for g in store.named_graphs() if g.value.startswith(iri.ARTICLE_PREFIX)]
    n = 0
    with out.open("wb") as fh:
        for graph in graphs:
            quads = list(store.quads_for_pattern(None, None, None, graph))
            n += len(quads)
            fh.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    return n


def bulk_load_cpu(nquads: Path, target: Path) -> float:
    """CPU seconds of pyoxigraph's bulk load of ``nquads`` into a new store (the floor)."""
    store = ox.Store(str(target))
    start = time.process_time()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS, lenient=True)
    store.flush()
    return time.process_time() - start


def cpu(data: dict, side: str, stages: tuple[str, ...] | None = None) -> float:
    seconds = data["timings"][side]
    return sum(v for k, v in seconds.items() if stages is None or k in stages)


#: the writer's per-article stages; the rest (opening, reference data, the run record,
#: the commit) is paid once per build, not per article
WRITER_PER_ARTICLE = ("receive", "load", "progress")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=400)
    args = parser.parse_args()
    n = args.articles
    with tempfile.TemporaryDirectory(prefix="cdskg-scale-") as tmp:
        root = Path(tmp)
        corpus, warm = root / "corpus", root / "warm"
        make_corpus(corpus, n)
        make_corpus(warm, 16, seed=11)
        runs: dict[str, dict] = {}
        runs["local --jobs 1"] = build(corpus, root / "j1", "--jobs", "1")
        runs["local --jobs 2"] = build(corpus, root / "j2", "--jobs", "2")
        with cluster(root) as (address, workers):
            for k in (1, 2):
                add_worker(address, workers, root)
                build(warm, root / f"warm{k}", "--scheduler", address)
                runs[f"Dask, {k} worker{'s' if k > 1 else ''}"] = build(
                    corpus, root / f"dask{k}", "--scheduler", address
                )
        (root / "oxigraph").mkdir()
        with oxigraph_server(root / "oxigraph") as url:
            # the first build into a server writes the reference data too: what a second
            # build costs is the figure of a running service
            build(warm, root / "remote-warm", "--store", url)
            runs["remote Oxigraph"] = build_remote(corpus, root / "remote", url)
        quads = article_quads(root / "j1", root / "articles.nq")
        floor = bulk_load_cpu(root / "articles.nq", root / "bulk")

    print(f"{n} synthetic articles, {quads} article quads; load average {os.getloadavg()[0]:.1f}")
    head = f"{'build':18}{'wall s':>8}{'art/s':>8}{'worker ms/art':>15}{'writer ms/art':>15}"
    print(head)
    for name, data in runs.items():
        worker = 1000 * cpu(data, "worker_cpu_seconds") / n
        writer = 1000 * cpu(data, "writer_cpu_seconds") / n
        print(f"{name:18}{data['wall']:8.2f}{n / data['wall']:8.1f}{worker:15.2f}{writer:15.2f}")
    one, two = runs["Dask, 1 worker"]["wall"], runs["Dask, 2 workers"]["wall"]
    print(f"Dask 2 workers vs 1: {one / two:.2f}x (scaling efficiency {one / two / 2:.0%})")
    j1, j2 = runs["local --jobs 1"]["wall"], runs["local --jobs 2"]["wall"]
    print(
        f"local --jobs 2 vs --jobs 1: {j1 / j2:.2f}x; Dask 2 workers vs --jobs 2: {j2 / two:.2f}x"
    )
    remote = runs["remote Oxigraph"]["wall"]
    print(f"remote Oxigraph server vs embedded (--jobs 1): {j1 / remote:.2f}x (target >= 0.5x)")
    print()
    print("The writer (the serial part), CPU per build:")
    for name, data in runs.items():
        if name in ("local --jobs 1", "remote Oxigraph"):
            continue  # the writer also built the articles, or wrote to a server: mixed stages
        load = data["timings"]["writer_cpu_seconds"].get("load", 0.0)
        per_article = cpu(data, "writer_cpu_seconds", WRITER_PER_ARTICLE)
        print(
            f"  {name:18} load {load:6.2f} s = {quads / load:>9,.0f} quads/s"
            f" ({quads / load / (quads / floor):.2f}x the bulk load);"
            f" per-article stages {1000 * per_article / n:.2f} ms:"
            f" ceiling {n / per_article:,.0f} articles/s"
        )
    print(f"  pyoxigraph bulk_load of the same quads: {floor:.2f} s = {quads / floor:,.0f} quads/s")


if __name__ == "__main__":
    main()
