"""Build speed on a synthetic corpus, in one run: extraction alone, the whole build with
--jobs 1 and --jobs N, where each build's time went (CPU per stage, from the build
report's timings), and an unchanged rebuild; the reference measured in the same run is
pyoxigraph's own bulk load of the built store (the floor for any loader).

    .venv/bin/python benchmarks/bench_build.py --articles 1000 --jobs 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import make_corpus

from cdskg.extract.articles import read_article
from cdskg.extract.clean import clean
from cdskg.extract.extractor import Extractor
from cdskg.settings import project_paths
from cdskg.store.generations import open_read_only
from cdskg.text.normalize import normalize
from cdskg.validation.engine import default_engine

#: the goal of issue 4: 10,000 articles in under two minutes on a 2-core machine
GOAL_ARTICLES, GOAL_SECONDS = 10_000, 120.0


def timed_build(corpus: Path, store: Path, jobs: int, report: Path) -> tuple[float, dict]:
    """Wall seconds of the real CLI build, and the report's timings."""
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cdskg.cli",
            "build",
            str(corpus),
            "--store",
            str(store),
            "--jobs",
            str(jobs),
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"build failed: {proc.stderr[-2000:]}")
    data = json.loads(report.read_text(encoding="utf-8"))
    failed = data["counts"]["failed"]
    if failed:
        raise SystemExit(f"{failed} articles failed: {proc.stderr[-2000:]}")
    return elapsed, data.get("timings", {})


def extraction_only(corpus: Path) -> tuple[float, dict[str, float], int]:
    """Seconds to read and extract every article in this process, the share of reading,
    normalising and cleaning (timed apart, then again inside extraction), and the facts."""
    paths = project_paths()
    extractor = Extractor(paths.mappings, paths.ontology)
    files = sorted(corpus.glob("*.txt"))
    parts = dict.fromkeys(("read", "normalise", "clean"), 0.0)
    start = time.perf_counter()
    sources = [read_article(path) for path in files]
    parts["read"] = time.perf_counter() - start
    for source in sources:
        t0 = time.perf_counter()
        normalized = normalize(source.text)
        t1 = time.perf_counter()
        clean(normalized.text, extractor.noise)
        parts["normalise"] += t1 - t0
        parts["clean"] += time.perf_counter() - t1
    start = time.perf_counter()
    facts = sum(len(extractor.extract(source).quantities) for source in sources)
    return parts["read"] + time.perf_counter() - start, parts, facts


def stage_rows(timings: list[dict], n: int) -> list[str]:
    """Milliseconds of CPU per article and stage, one column per build."""
    lines = []
    for side, title in (("worker_cpu_seconds", "workers"), ("writer_cpu_seconds", "writer")):
        stages: list[str] = []
        for t in timings:
            stages += [s for s in t.get(side, {}) if s not in stages]
        totals = [sum(t.get(side, {}).values()) for t in timings]
        lines.append(f"  {title:30}" + "".join(f"{1000 * x / n:>12.2f}" for x in totals))
        for stage in stages:
            cells = "".join(f"{1000 * t.get(side, {}).get(stage, 0.0) / n:>12.2f}" for t in timings)
            lines.append(f"    {stage:28}{cells}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    n = args.articles
    with tempfile.TemporaryDirectory(prefix="cdskg-bench-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        make_corpus(corpus, n)

        extract_s, parts, facts = extraction_only(corpus)
        serial, serial_t = timed_build(corpus, root / "serial", 1, root / "serial.json")
        parallel, parallel_t = timed_build(
            corpus, root / "parallel", args.jobs, root / "parallel.json"
        )
        unchanged, _ = timed_build(corpus, root / "parallel", args.jobs, root / "again.json")

        store, _ = open_read_only(root / "parallel")
        dump = root / "all.nq"
        store.dump(str(dump), format=ox.RdfFormat.N_QUADS)
        quads = len(store)
        ref = ox.Store(str(root / "ref"))
        start = time.perf_counter()
        ref.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        bulk = time.perf_counter() - start

    rows = [
        ("extraction only (1 process, reading included)", extract_s),
        ("whole build --jobs 1", serial),
        (f"whole build --jobs {args.jobs}", parallel),
        ("rebuild, nothing changed", unchanged),
        ("reference: pyoxigraph bulk_load of the result", bulk),
    ]
    print(
        f"{n} synthetic articles, {facts} facts, {quads} quads;"
        f" SHACL engine: {default_engine()}; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'what':50} {'seconds':>9} {'articles/s':>11}")
    for what, secs in rows:
        print(f"{what:50} {secs:9.2f} {n / secs:11.1f}")
    shares = ", ".join(f"{k} {1000 * v / n:.2f}" for k, v in parts.items())
    print(f"  of extraction, ms per article: {shares}")
    print(f"speed-up --jobs {args.jobs} vs --jobs 1: {serial / parallel:.2f}x")
    projected = GOAL_ARTICLES / (n / parallel)
    verdict = "meets" if projected < GOAL_SECONDS else "misses"
    print(
        f"projected whole build of {GOAL_ARTICLES:,} articles at --jobs {args.jobs}:"
        f" {projected:.0f} s ({verdict} the goal of {GOAL_SECONDS:.0f} s)"
    )
    print()
    print("CPU ms per article and stage (build report timings; 'other': start-up, IPC)")
    print(f"  {'stage':30}{'--jobs 1':>12}{f'--jobs {args.jobs}':>12}")
    for line in stage_rows([serial_t, parallel_t], n):
        print(line)
    # Wall time on a shared machine counts other people's work; CPU time does not. The
    # CPU of every process of the --jobs N build, spread over N cores, is the wall time
    # it needs on otherwise idle cores if the stages overlap perfectly (one-time costs
    # such as the reference data are scaled with the articles here: a slight overestimate).
    cpu = sum(
        sum(parallel_t.get(side, {}).values())
        for side in ("worker_cpu_seconds", "writer_cpu_seconds")
    )
    print(
        f"CPU of the --jobs {args.jobs} build: {1000 * cpu / n:.2f} ms per article;"
        f" {GOAL_ARTICLES:,} articles on {args.jobs} idle cores need about"
        f" {GOAL_ARTICLES * cpu / n / args.jobs:.0f} s"
    )


if __name__ == "__main__":
    main()
