"""Validation time: the native engine vs pySHACL, whole store vs per article vs batches
of articles as the build validates them (single process, and a pool of 2 processes as
`cdskg build --jobs 2`), on synthetic data.

    python -u benchmarks/bench_validate.py --sizes 10000 100000 --pyshacl-max 1000

Observations look like mapping.py's (values, ratio, evidence with selectors, period),
ten per article, with one broken ratio per 1000 observations, so every run must report
exactly n/1000 RatioAgreesShape violations. Per article, every engine gets the article's
pyoxigraph quads; per batch, validate_graphs gets 32 articles at a time, as the build's
workers hand them over (cdskg.build.pipeline.VALIDATION_BATCH). Whole store: the native
engine reads the ox.Store directly; pySHACL gets it as one rdflib graph ("convert s":
building that graph). Times are wall clock; "CPU s" is this process's CPU time
(the pool's workers report theirs, summed). In the pool, each process parses its share of
the articles' N-Triples into quads before the clock starts ("convert s", per process: a
build's workers make quads by mapping and never parse); the wall time is the validation.
The native engine is first proven equal to pySHACL on every example in tests/shapes/ (skip
with --no-proof; --engines native leaves pySHACL out); pySHACL runs with rdflib's prepared
queries (tests/pyshacl_prepared.py: same results, ten times faster).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from cdskg.build.pipeline import VALIDATION_BATCH
from cdskg.validation.engine import (
    NATIVE,
    PYSHACL,
    load_shapes,
    to_ntriples,
    to_rdflib,
    validate_graph,
    validate_graphs,
    validate_store,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from pyshacl_prepared import prepared_sparql_queries  # noqa: E402

ID = "https://w3id.org/cdskg/id/"
PER_ARTICLE = 10
TEXT = "Năm 2023, địa phương có 118.286/149.647 hồ sơ trực tuyến, đạt 79,04%. "
EXACT = "118.286/149.647 hồ sơ trực tuyến, đạt 79,04%"
START = TEXT.index(EXACT)

PREFIXES = """
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix cdskg: <https://w3id.org/cdskg/ontology#> .
@prefix id: <https://w3id.org/cdskg/id/> .
"""

CONTEXT = """
id:dataset a qb:DataSet .
id:unit a cdskg:AdministrativeUnit .
id:indicator a cdskg:Indicator .
id:pillar a cdskg:Pillar .
id:p2023 a time:ProperInterval ; time:hasBeginning id:d1 ; time:hasEnd id:d2 .
id:d1 a time:Instant ; time:inXSDDate "2023-01-01"^^xsd:date .
id:d2 a time:Instant ; time:inXSDDate "2023-12-31"^^xsd:date .
"""


def article_turtle(a: int, first_obs: int, count: int) -> str:
    text = TEXT * count
    parts = [
        f'id:a{a} a schema:NewsArticle ; rdfs:label "Bài {a}"@vi ; schema:headline "Bài {a}"@vi ;'
        f' schema:text "{text}"@vi ; dcterms:source "a{a}.txt" ; dcterms:language "vi" ;'
        f' cdskg:contentHash "{"0" * 64}" .'
    ]
    for k in range(count):
        i = first_obs + k
        s = START + k * len(TEXT)
        e = s + len(EXACT)
        value = "79.40" if i % 1000 == 999 else "79.04"  # one broken ratio per 1000
        parts.append(
            f"id:o{i} a qb:Observation ; qb:dataSet id:dataset ; sdmx-dimension:refArea id:unit ;"
            f" sdmx-dimension:refPeriod id:p2023 ; cdskg:indicator id:indicator ;"
            f" cdskg:pillar id:pillar ; cdskg:sourceArticle id:a{a} ; prov:wasDerivedFrom id:a{a} ;"
            f' sdmx-measure:obsValue "{value}"^^xsd:decimal ;'
            " sdmx-attribute:unitMeasure unit:PERCENT ;"
            ' cdskg:numerator "118286.0"^^xsd:decimal ;'
            ' cdskg:denominator "149647.0"^^xsd:decimal ;'
            f' cdskg:qualifier "exact" ; cdskg:valueRole "actual" ; cdskg:statedAs "79,04%" ;'
            f' cdskg:periodBasis "stated" ; cdskg:evidence id:e{i} ;'
            ' rdfs:label "tỷ lệ: 79,04%"@vi .\n'
            f"id:e{i} a oa:SpecificResource ; oa:hasSource id:a{a} ;"
            f" oa:hasSelector id:e{i}q, id:e{i}p ; cdskg:sourceStart {s} ; cdskg:sourceEnd {e} .\n"
            f'id:e{i}q a oa:TextQuoteSelector ; oa:exact "{EXACT}" .\n'
            f"id:e{i}p a oa:TextPositionSelector ; oa:start {s} ; oa:end {e} ."
        )
    return PREFIXES + "\n".join(parts) + CONTEXT


def build_store(n: int) -> tuple[ox.Store, list[str]]:
    """The synthetic store, and each article's graph as N-Triples (what the build hands
    to the validator, see cdskg.build.gate)."""
    store = ox.Store()
    graphs = []
    for a in range(n // PER_ARTICLE):
        name = ox.NamedNode(f"{ID}a{a}")
        data = article_turtle(a, a * PER_ARTICLE, PER_ARTICLE)
        triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)
        graphs.append(to_ntriples(triples))
    return store, graphs


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _key(result) -> list[tuple]:
    return sorted((v.focus, v.shape, v.path or "", v.value or "") for v in result.violations)


def prove_equivalence(shapes, engines: list[str]) -> None:
    import rdflib

    files = sorted((ROOT / "tests" / "shapes").glob("*.ttl"))
    same = dict.fromkeys(engines, 0)
    with prepared_sparql_queries():
        for path in files:
            data = rdflib.Graph().parse(path, format="turtle")
            reference = validate_graph(data, shapes, engine=PYSHACL)
            for engine in engines:
                other = validate_graph(data, shapes, engine=engine)
                if other.conforms == reference.conforms and _key(other) == _key(reference):
                    same[engine] += 1
                else:
                    print(f"  DIFFERENT ({engine}): {path.name}")
    for engine, n in same.items():
        print(f"equivalence: {engine} = pySHACL on {n}/{len(files)} example files")


# --- per article in a pool of processes, as `cdskg build --jobs N` validates ---------------


def _batched(articles: list) -> int:
    """Violations found validating the articles in the build's batches."""
    found = 0
    for i in range(0, len(articles), VALIDATION_BATCH):
        batch = articles[i : i + VALIDATION_BATCH]
        found += sum(len(r.violations) for r in validate_graphs(batch, SHAPES_CACHE[0]))
    return found


SHAPES_CACHE: list = []


def _pool_worker(engine: str, texts: list[str], ready, go, results) -> None:
    """One of the pool's processes: its share of the articles arrives with the fork, is
    parsed into quads before the clock starts (a build's workers make quads by mapping, they
    never parse), then validated once every worker is ready."""
    shapes = load_shapes(ROOT / "shapes")
    first = list(ox.parse(texts[0], format=ox.RdfFormat.N_TRIPLES))
    validate_graph(first, shapes, engine=NATIVE if engine == "batch" else engine)
    parse = time.perf_counter()
    articles = [list(ox.parse(t, format=ox.RdfFormat.N_TRIPLES)) for t in texts]
    parse = time.perf_counter() - parse
    ready.put(parse)
    go.wait()
    cpu = time.process_time()
    if engine == "batch":
        SHAPES_CACHE[:] = [shapes]
        found = _batched(articles)
    else:
        found = sum(len(validate_graph(a, shapes, engine=engine).violations) for a in articles)
    results.put((found, time.process_time() - cpu))


def per_article_pool(
    engine: str, graphs: list[str], processes: int
) -> tuple[int, float, float, float]:
    """(results, wall s, workers' validation CPU s summed, their parsing s per process)
    validating every article in ``processes`` processes, each taking every n-th article; the
    wall time runs from the moment all have their quads to the last one's finish."""
    ctx = multiprocessing.get_context("fork")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    workers = [
        ctx.Process(target=_pool_worker, args=(engine, graphs[k::processes], ready, go, results))
        for k in range(processes)
    ]
    for w in workers:
        w.start()
    parse = sum(ready.get() for _ in workers) / processes
    wall = time.perf_counter()
    go.set()
    out = [results.get() for _ in workers]
    wall = time.perf_counter() - wall
    for w in workers:
        w.join()
    return sum(f for f, _ in out), wall, sum(c for _, c in out), parse


def bench_size(n: int, shapes, engines: list[str], args, row) -> None:
    """Every engine and mode on n synthetic observations; ``row`` prints and keeps a row."""
    store, graphs = build_store(n)
    triples = len(store)
    articles = [list(ox.parse(g, format=ox.RdfFormat.N_TRIPLES)) for g in graphs]
    for engine in engines:
        if engine == PYSHACL and n > args.pyshacl_max:
            continue
        with prepared_sparql_queries():
            if engine == NATIVE:
                result, wall, cpu = timed(lambda: validate_store(store, shapes, engine=NATIVE))
                row(n, triples, engine, "whole store", wall, cpu, 0.0, len(result.violations))
            else:
                data, convert, _ = timed(
                    lambda: to_rdflib(store.quads_for_pattern(None, None, None))
                )
                result, wall, cpu = timed(
                    lambda d=data, e=engine: validate_graph(d, shapes, engine=e)
                )
                row(
                    n,
                    triples,
                    engine,
                    "whole store",
                    wall,
                    cpu,
                    convert,
                    len(result.violations),
                )
                del data
            if n > args.per_article_max:
                continue

            def per_article(e=engine):
                return sum(len(validate_graph(a, shapes, engine=e).violations) for a in articles)

            found, wall, cpu = timed(per_article)
            row(n, triples, engine, f"per article x{len(graphs)}", wall, cpu, 0.0, found)
            if engine == NATIVE:
                SHAPES_CACHE[:] = [shapes]
                found, wall, cpu = timed(lambda: _batched(articles))
                mode = f"batches of {VALIDATION_BATCH}"
                row(n, triples, engine, mode, wall, cpu, 0.0, found)
        if engine != PYSHACL and args.processes > 1:
            found, wall, cpu, parse = per_article_pool(engine, graphs, args.processes)
            mode = f"per article, {args.processes} procs"
            row(n, triples, engine, mode, wall, cpu, parse, found)
            found, wall, cpu, parse = per_article_pool("batch", graphs, args.processes)
            mode = f"batches, {args.processes} procs"
            row(n, triples, engine, mode, wall, cpu, parse, found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--pyshacl-max", type=int, default=1_000, help="largest size pySHACL is run on (it is slow)"
    )
    parser.add_argument("--per-article-max", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--no-proof", action="store_true")
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=[NATIVE, PYSHACL],
        help="run only these engines (pySHACL takes minutes beyond --pyshacl-max)",
    )
    args = parser.parse_args()
    shapes = load_shapes(ROOT / "shapes")
    engines = [NATIVE, PYSHACL]
    if args.engines:
        engines = [e for e in engines if e in args.engines]
    if not args.no_proof:
        prove_equivalence(shapes, [e for e in engines if e != PYSHACL])
    rows = []

    def row(n, triples, engine, mode, wall, cpu, convert, found):
        rows.append((n, triples, engine, mode, wall, cpu, convert, found))
        print(*rows[-1], flush=True)

    for n in args.sizes:
        bench_size(n, shapes, engines, args, row)
    print(
        f"{'obs':>7} {'triples':>9} {'engine':7} {'mode':24} {'wall s':>8} {'CPU s':>8} "
        f"{'us/obs':>7} {'convert s':>9} {'results':>7}"
    )
    for n, triples, engine, mode, wall, cpu, convert, found in rows:
        print(
            f"{n:>7} {triples:>9} {engine:7} {mode:24} {wall:>8.2f} {cpu:>8.2f} "
            f"{wall / n * 1e6:>7.0f} {convert:>9.2f} {found:>7}"
        )


if __name__ == "__main__":
    main()
