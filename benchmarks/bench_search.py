"""Search index: SQLite FTS5 (what ``/search`` uses) against an inverted index of our own.

Both index the same documents (:func:`cdskg.publish.search_index.documents`: names,
indicator labels, evidence sentences, folded) of one store, and answer the same queries
with the same rule (every word, the last as a prefix; best 20 by a bm25-like score).
Printed per index: the time to build it from the documents, its size on disk, the time a
fresh worker needs before its first answer (opening the file, or loading the pickle) and
the memory that costs, and p50/p95 over repeated queries.

    python benchmarks/bench_search.py --store /tmp/srch-100k [--repeat 20]

Make a store of ~100k observations by copying a built store's article graphs
(``benchmarks/bench_export.py``'s ``synthesise``; ``benchmarks/bench_pages.py --work DIR``
leaves one in ``DIR/store-100000``, copied from a build of ``benchmarks/synthetic.py``'s
corpus) or by building that corpus.

Measured on a 2-core machine shared with other jobs (load 2-4), December 2026, on 99,932
observations (172 copies of 50 articles of ``synthetic.py``; 84,231 documents, read from the
store in 22-29 s; both indexes answer the same hit counts)::

                                    FTS5              own inverted index
    build from documents (s)        4.2               3.4
    size on disk (MB)               102.4             34.5
    worker's first answer (s)       0.00              0.15
    worker memory added (MB)        1                 79
    query p50 / p95 ms (hits)
      'binh thuy'                   1.2 / 1.8 (23)        1.1 / 1.2 (23)
      'ty le ho so truc tuyen'      68.3 / 83.7 (16517)   51.3 / 69.7 (16517)
      'dich vu cong'                42.9 / 45.6 (14466)   15.3 / 23.6 (14466)
      'chuyen doi so'               64.3 / 70.1 (25662)   56.9 / 65.1 (25662)
      'phuong'                      37.7 / 45.0 (26437)   5.8 / 6.8 (26437)
      'so hoa ket qua'              10.1 / 12.1 (1550)    21.7 / 22.7 (1550)
      't'                           96.9 / 135.5 (79408)  121.3 / 161.0 (79408)

Both answer well within the pages' 0.5 s; our own index is faster on common words but
every worker holds it in memory (79 MB at 100k observations, so most of a worker's 1 GB at
1M) and loads it again for each store version, where FTS5 reads the file in place. So
``/search`` uses FTS5.
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import math
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from collections import Counter
from pathlib import Path

from cdskg.publish import search_index
from cdskg.store.generations import open_read_only

QUERIES = [
    "binh thuy",
    "Bình Thủy dịch vụ công",
    "ty le ho so truc tuyen",
    "dich vu cong",
    "tai khoan dinh danh dien tu",
    "thong nhat",
    "chuyen doi so",
    "vneid",
    "phuong",
    "so hoa ket qua",
    "t",
]


class OwnIndex:
    """Posting arrays per folded word; score: sum of idf × field weight / length norm."""

    def __init__(self, docs: list[search_index.Document]) -> None:
        self.meta = [(d.kind, d.iri, d.text) for d in docs]
        self.boost = array(
            "f",
            (search_index.KIND_WEIGHT[d.kind] * (1.0 + 0.25 * math.log1p(d.facts)) for d in docs),
        )
        postings: dict[str, list[int]] = {}
        self.weights: dict[str, array] = {}
        weights: dict[str, list[float]] = {}
        for i, d in enumerate(docs):
            text, context = search_index.tokens(d.text), search_index.tokens(d.context)
            norm = 1.0 / math.sqrt(1 + len(text) + len(context))
            counts: Counter[str] = Counter()
            for w in text:
                counts[w] += search_index.COLUMN_WEIGHTS[0]
            for w in context:
                counts[w] += search_index.COLUMN_WEIGHTS[1]
            for w, c in counts.items():
                postings.setdefault(w, []).append(i)
                weights.setdefault(w, []).append(c * norm)
        self.words = sorted(postings)
        self.postings = {w: array("I", ids) for w, ids in postings.items()}
        self.weights = {w: array("f", ws) for w, ws in weights.items()}

    def _matches(self, word: str, prefix: bool) -> dict[int, float]:
        found: dict[int, float] = {}
        if prefix:
            at = bisect.bisect_left(self.words, word)
            keys = []
            while at < len(self.words) and self.words[at].startswith(word):
                keys.append(self.words[at])
                at += 1
        else:
            keys = [word] if word in self.postings else []
        n = len(self.meta)
        for key in keys:
            ids, ws = self.postings[key], self.weights[key]
            idf = math.log(1 + n / len(ids))
            for i, w in zip(ids, ws, strict=True):
                found[i] = found.get(i, 0.0) + idf * w
        return found

    def search(self, q: str, limit: int = 20) -> tuple[int, list[tuple[str, str]]]:
        words = search_index.tokens(q)[: search_index.MAX_WORDS]
        if not words:
            return 0, []
        lists = [self._matches(w, i == len(words) - 1) for i, w in enumerate(words)]
        lists.sort(key=len)
        scores = lists[0]
        for other in lists[1:]:
            scores = {i: s + other[i] for i, s in scores.items() if i in other}
        best = heapq.nlargest(limit, scores, key=lambda i: scores[i] * self.boost[i])
        # the same work on the shown hits as search_index.search does
        shown = [(self.meta[i], search_index.highlight(self.meta[i][2], words)) for i in best]
        return len(scores), [(m[0], m[1]) for m, _spans in shown]


def _rss_mb() -> float:
    """The resident memory of this process now (MB)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 1e6


def _latencies(fn, repeat: int) -> dict[str, tuple[float, float, int]]:
    out = {}
    for q in QUERIES:
        times = []
        total = 0
        for _ in range(repeat):
            t = time.perf_counter()
            total = fn(q)
            times.append(time.perf_counter() - t)
        times.sort()
        p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
        out[q] = (statistics.median(times) * 1000, p95 * 1000, total)
    return out


def _child(kind: str, path: Path, repeat: int) -> None:
    """A fresh process, as a server worker: time to first answer, memory, latencies."""
    before = _rss_mb()
    t = time.perf_counter()
    if kind == "fts5":
        search_index.search(path, "binh thuy")
        first = time.perf_counter() - t

        def run(q: str) -> int:
            return search_index.search(path, q).total
    else:
        with path.open("rb") as fh:
            index: OwnIndex = pickle.load(fh)
        index.search("binh thuy")
        first = time.perf_counter() - t

        def run(q: str) -> int:
            return index.search(q)[0]

    grown = _rss_mb() - before
    lat = _latencies(run, repeat)
    print(repr({"first": first, "rss": grown, "lat": lat}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--child", choices=["fts5", "own"])
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.path, args.repeat)
        return
    st, version = open_read_only(args.store)
    t = time.perf_counter()
    docs = search_index.documents(st)
    read = time.perf_counter() - t
    print(f"store {args.store} (version {version}): {len(docs)} documents read in {read:.1f} s")
    work = Path(tempfile.mkdtemp(prefix="cdskg-bench-search-"))
    fts = work / "search.sqlite"
    t = time.perf_counter()
    search_index.write(docs, fts)
    fts_build = time.perf_counter() - t
    t = time.perf_counter()
    own = OwnIndex(docs)
    own_path = work / "own.pickle"
    with own_path.open("wb") as fh:
        pickle.dump(own, fh, protocol=pickle.HIGHEST_PROTOCOL)
    own_build = time.perf_counter() - t
    del own, docs
    results = {}
    for kind, path in (("fts5", fts), ("own", own_path)):
        out = subprocess.run(
            [
                *(sys.executable, __file__, "--store", str(args.store), "--child", kind),
                *("--path", str(path), "--repeat", str(args.repeat)),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[kind] = eval(out.strip().splitlines()[-1])  # our own child's repr
    builds = {"fts5": fts_build, "own": own_build}
    paths = {"fts5": fts, "own": own_path}
    print(f"{'':34} {'FTS5':>22} {'own inverted index':>22}")
    for what, fmt in (
        ("build from documents (s)", lambda k: f"{builds[k]:.1f}"),
        ("size on disk (MB)", lambda k: f"{paths[k].stat().st_size / 1e6:.1f}"),
        ("worker's first answer (s)", lambda k: f"{results[k]['first']:.2f}"),
        ("worker memory added (MB)", lambda k: f"{results[k]['rss']:.0f}"),
    ):
        print(f"{what:34} {fmt('fts5'):>22} {fmt('own'):>22}")
    print("query p50 / p95 ms (hits)")
    for q in QUERIES:
        cells = []
        for k in ("fts5", "own"):
            p50, p95, total = results[k]["lat"][q]
            cells.append(f"{p50:.1f} / {p95:.1f} ({total})")
        print(f"  {q!r:32} {cells[0]:>22} {cells[1]:>22}")


if __name__ == "__main__":
    main()
