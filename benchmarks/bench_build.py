"""Build speed on a synthetic corpus: extraction alone, the whole build with --jobs 1
and --jobs N, and an unchanged rebuild; the reference measured in the same run is
pyoxigraph's own bulk load of the built graph (the floor for any loader).

    .venv/bin/python benchmarks/bench_build.py --articles 1000 --jobs 2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import make_corpus

from cdskg.articles import read_article
from cdskg.extract import Extractor
from cdskg.resources import project_paths
from cdskg.store import open_read_only


def timed_build(corpus: Path, store: Path, jobs: int) -> float:
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
        ],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"build failed: {proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cdskg-bench-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        make_corpus(corpus, args.articles)
        paths = project_paths()

        start = time.perf_counter()
        extractor = Extractor(paths.mappings, paths.ontology)
        setup = time.perf_counter() - start
        start = time.perf_counter()
        facts = 0
        for path in sorted(corpus.glob("*.txt")):
            facts += len(extractor.extract(read_article(path)).quantities)
        extract_s = time.perf_counter() - start

        serial = timed_build(corpus, root / "serial", 1)
        parallel = timed_build(corpus, root / "parallel", args.jobs)
        unchanged = timed_build(corpus, root / "parallel", args.jobs)

        store, _ = open_read_only(root / "parallel")
        dump = root / "all.nq"
        store.dump(str(dump), format=ox.RdfFormat.N_QUADS)
        quads = len(store)
        ref = ox.Store(str(root / "ref"))
        start = time.perf_counter()
        ref.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        bulk = time.perf_counter() - start

    n = args.articles
    rows = [
        ("extraction only (1 process)", extract_s, n / extract_s),
        ("whole build --jobs 1", serial, n / serial),
        (f"whole build --jobs {args.jobs}", parallel, n / parallel),
        ("rebuild, nothing changed", unchanged, n / unchanged),
        ("reference: pyoxigraph bulk_load of the result", bulk, n / bulk),
    ]
    print(f"{n} synthetic articles, {facts} facts, {quads} quads; extractor setup {setup:.2f} s")
    print(f"{'what':48} {'seconds':>9} {'articles/s':>11}")
    for what, secs, rate in rows:
        print(f"{what:48} {secs:9.2f} {rate:11.1f}")
    print(f"speed-up --jobs {args.jobs} vs --jobs 1: {serial / parallel:.2f}x")
    print(
        f"projected whole build of 10,000 articles at --jobs {args.jobs}: "
        f"{10_000 / (n / parallel):.0f} s"
    )


if __name__ == "__main__":
    main()
