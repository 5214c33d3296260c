"""Extraction speed alone, in one process: articles per second on the dev corpus (cleaning,
sentences, figures, indicators, places, mentions), with the share of time of each part.

    .venv/bin/python benchmarks/bench_extract.py [--corpus ../shared/corpus/dev] [--rounds 5]

The articles are read once; each round extracts all of them with one Extractor (loaded
once, its load time is printed apart). The reference measured in the same run is the
cleaning step alone (normalize + clean), the part every article pays before extraction.
Target (issue 20): at least 150 articles/s per process.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

from cdskg.extract.articles import collect, read_article
from cdskg.extract.clean import clean
from cdskg.extract.extractor import Extractor
from cdskg.settings import project_paths
from cdskg.text.normalize import normalize

TARGET = 150.0
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="print the 15 costliest functions")
    a = ap.parse_args()
    if not a.corpus.is_dir():
        print(f"{a.corpus}: no such folder; give --corpus DIR of article files", file=sys.stderr)
        return 2
    sources = [read_article(p) for p in collect([a.corpus])]
    if not sources:
        print(f"{a.corpus}: no article files", file=sys.stderr)
        return 2
    paths = project_paths()
    t0 = time.perf_counter()
    extractor = Extractor(paths.mappings, paths.ontology)
    load = time.perf_counter() - t0

    def extract_all() -> int:
        extractor.matcher.clear_cache()  # each round as on articles never seen
        return sum(len(extractor.extract(s).quantities) for s in sources)

    def clean_all() -> None:
        for s in sources:
            clean(normalize(s.text).text, extractor.noise)

    extract_all()  # warm caches (regexes, gazetteer indexes)
    facts = 0
    times, ref = [], []
    for _ in range(a.rounds):
        t = time.perf_counter()
        facts = extract_all()
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        clean_all()
        ref.append(time.perf_counter() - t)
    n = len(sources)
    best, median = min(times), statistics.median(times)
    rate = n / median
    print(f"corpus: {a.corpus} ({n} articles, {facts} facts per round)")
    print(f"extractor load: {load:.2f} s (once per process)")
    print(f"{'':24}{'median s':>10}{'best s':>10}{'articles/s':>12}")
    print(f"{'extraction':24}{median:>10.3f}{best:>10.3f}{rate:>12.1f}")
    print(
        f"{'cleaning alone (ref)':24}{statistics.median(ref):>10.3f}{min(ref):>10.3f}"
        f"{n / statistics.median(ref):>12.1f}"
    )
    print(
        f"target: >= {TARGET:.0f} articles/s per process: {'met' if rate >= TARGET else 'NOT met'}"
    )
    if a.profile:
        prof = cProfile.Profile()
        prof.runcall(extract_all)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
