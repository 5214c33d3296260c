"""Export speed on a store of ~100k observations, against pyoxigraph's own ``Store.dump``.

The store is synthesised from a real build: the article graphs of a seed store are copied N
times, the first copy as it is and the others with their article IRIs renamed (``…/000-41fe…``
→ ``…/000-41fe…-c0001``), so the copy has the shape of real data (observations, evidence,
selectors; periods and units shared between articles), plus the seed's reference and
build-metadata graphs. ``benchmarks/bench_pages.py`` makes its stores the same way.

    python benchmarks/bench_export.py [--seed-store /tmp/ex-store] [--observations 100000]
                                      [--work /tmp/cdskg-bench-export] [--formats ttl,trig,...]

The synthetic store is kept in WORK and reused by the next run with the same size. The
reference rows are ``Store.dump`` of the same on-disk store to N-Quads and TriG, in this run;
the ``x dump`` column is each time over the Store.dump N-Quads time (the machine is shared:
compare the ratios, not the absolute times). ``downloads`` is what ``/downloads`` and
``cdskg export --format dcat`` build: the five whole-graph files and the per-pillar CSV and
Turtle files, in one call (``build_downloads``).

Measured on a 2-core machine shared with other jobs, the same synthetic stores before
(commit 84e9ba7; the 100k "before" column is the run made with that commit, on a busier
machine) and after (ed5d346); seconds, and in parentheses the time over Store.dump N-Quads
of the same run. ``--observations 20000``: 945k quads; ``100000``: 2.78M quads
(99,960 observations, 1,000 copies of each sample article). Every file of the "after"
runs is byte-identical to the "before" code's file on the same store.

=======================  ==============  ==============  ================  ===============
row                      20k before      20k after       100k before       100k after
=======================  ==============  ==============  ================  ===============
Store.dump nq            21.0 (1.00)     7.2 (1.00)      43.7 (1.00)       26.4 (1.00)
Store.dump trig          15.4 (0.73)     10.0 (1.38)     58.2 (1.33)       29.0 (1.10)
cdskg export nq          35.1 (1.67)     8.4 (1.17)      85.7 (1.96)       23.4 (0.89)
cdskg export trig        36.1 (1.72)     9.1 (1.25)      79.8 (1.83)       23.8 (0.90)
cdskg export ttl         77.9 (3.70)     10.3 (1.43)     92.3 (2.11)       39.0 (1.48)
cdskg export jsonld      46.4 (2.20)     11.8 (1.62)     54.9 (1.26)       33.5 (1.27)
cdskg export csv         did not finish  6.5 (0.90)      did not finish    28.7 (1.09)
build_downloads (all)    –               38.2 (5.28)     –                 137.1 (5.20)
=======================  ==============  ==============  ================  ===============

``build_downloads`` writes 13 files (1.76 GB at 100k): one read of the store for the four
RDF files, the observations query once for the five CSVs, one CONSTRUCT per pillar Turtle.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from cdskg.publish.datafiles import build_downloads
from cdskg.publish.export import EXPORT_FORMATS, export
from cdskg.rdf.iri import META_GRAPH, REFERENCE_GRAPH
from cdskg.store.generations import open_read_only

QB_OBSERVATION = ox.NamedNode("http://purl.org/linked-data/cube#Observation")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


#: N-Quads text bulk-loaded per call while copying: a few hundred MB, so that a store of a
#: million observations is a few dozen loads, not one per article and copy.
LOAD_CHUNK_CHARS = 200_000_000


def _copy_names(stem: str, copy: int) -> str:
    """The article stem of copy ``copy``: the seed's own name for copy 0 (so the catalogue's
    default article and locality keep their facts), ``stem-c0001`` … for the others."""
    return stem if copy == 0 else f"{stem}-c{copy:04d}"


def _renamed(text: str, stem: str, new: str) -> str:
    """``text`` with the IRI segment ``stem`` (``/STEM``, ending the IRI or followed by
    ``/`` or ``#``) renamed ``new``; a longer name that starts with it stays."""
    for end in ("/", ">", "#"):
        text = text.replace(stem + end, new + end)
    return text


def synthesise(seed: Path, root: Path, observations: int) -> Path:
    """A store layout at ``root`` with about ``observations`` observations; reused if present.

    Each article graph is written as N-Quads once; a copy is that text with ``/STEM`` (the
    article's name in the IRIs it mints: article, observations, evidence) renamed, and the
    copies go to Oxigraph's bulk loader many at a time, as ``cdskg build`` loads its
    articles (``replace_graphs``). 100k observations: about a minute, where renaming the
    terms in Python and bulk-loading each copy alone took 7.6 minutes.
    """
    if (root / "current").exists():
        return root
    src, _ = open_read_only(seed)
    articles = sorted(
        g.value for g in src.named_graphs() if g.value not in (META_GRAPH, REFERENCE_GRAPH)
    )
    per_copy = sum(1 for _ in src.quads_for_pattern(None, RDF_TYPE, QB_OBSERVATION, None))
    copies = max(1, round(observations / max(per_copy, 1)))
    gen = root / "generations" / "000001"
    gen.parent.mkdir(parents=True, exist_ok=True)
    dst = ox.Store(str(gen))
    for g in (META_GRAPH, REFERENCE_GRAPH):
        dst.bulk_extend(src.quads_for_pattern(None, None, None, ox.NamedNode(g)))
    texts = []
    for article in articles:
        quads = src.quads_for_pattern(None, None, None, ox.NamedNode(article))
        text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
        texts.append(("/" + article.rsplit("/", 1)[1], text))
    chunk: list[str] = []
    size = 0
    for i in range(copies):
        for stem, text in texts:
            copy = text if i == 0 else _renamed(text, stem, "/" + _copy_names(stem[1:], i))
            chunk.append(copy)
            size += len(copy)
            if size >= LOAD_CHUNK_CHARS:
                dst.bulk_load("".join(chunk), format=ox.RdfFormat.N_QUADS, lenient=True)
                chunk, size = [], 0
    if chunk:
        dst.bulk_load("".join(chunk), format=ox.RdfFormat.N_QUADS, lenient=True)
    dst.flush()
    dst.optimize()
    del dst
    os.symlink(os.path.relpath(gen, root), root / "current")
    return root


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _child(args: argparse.Namespace) -> None:
    """One measurement in a fresh process, so RSS is that of the measured call alone."""
    st, _ = open_read_only(args.work / "store")
    out = args.work / f"out.{args.child}"
    if args.child.startswith("dump-"):
        fmt = ox.RdfFormat.N_QUADS if args.child == "dump-nq" else ox.RdfFormat.TRIG
        seconds = _timed(lambda: st.dump(str(out), format=fmt))
    elif args.child == "downloads":
        folder = args.work / "downloads"
        subprocess.run(["rm", "-rf", str(folder)], check=True)
        seconds = _timed(lambda: build_downloads(st, "bench", folder))
        size = sum(p.stat().st_size for p in folder.iterdir())
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{seconds:.2f} {rss:.0f} {size}")
        return
    else:
        seconds = _timed(lambda: export(st, args.child, out))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.2f} {rss:.0f} {out.stat().st_size}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-store", type=Path, default=Path("/tmp/ex-store"))
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/cdskg-bench-export"))
    parser.add_argument("--formats", default=",".join([*EXPORT_FORMATS, "downloads"]))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    marker = args.work / f"size-{args.observations}"
    if not marker.exists():
        subprocess.run(["rm", "-rf", str(args.work / "store")], check=True)
    start = time.perf_counter()
    synthesise(args.seed_store, args.work / "store", args.observations)
    marker.touch()
    st, _ = open_read_only(args.work / "store")
    n_obs = sum(1 for _ in st.quads_for_pattern(None, RDF_TYPE, QB_OBSERVATION, None))
    n_quads = len(st)
    del st
    print(
        f"store: {n_obs} observations, {n_quads} quads"
        f" (ready in {time.perf_counter() - start:.1f}s)"
    )
    rows = ["dump-nq", "dump-trig", *args.formats.split(",")]
    print(f"{'what':<22}{'seconds':>9}{'x dump':>8}{'max RSS MB':>12}{'bytes':>14}")
    reference = None
    for what in rows:
        proc = subprocess.run(
            [sys.executable, __file__, "--work", str(args.work), "--child", what],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, rss, size = proc.stdout.split()
        label = f"Store.dump {what[5:]}" if what.startswith("dump-") else f"cdskg export {what}"
        if what == "downloads":
            label = "build_downloads (all)"
        reference = reference or float(seconds)
        ratio = float(seconds) / reference
        print(f"{label:<22}{float(seconds):>9.2f}{ratio:>8.2f}{rss:>12}{int(size):>14}", flush=True)


if __name__ == "__main__":
    main()
