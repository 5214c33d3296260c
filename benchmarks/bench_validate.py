"""Validation time: pySHACL vs pyshacl-turbo, whole store vs per article, on synthetic data.

    python benchmarks/bench_validate.py --sizes 10000 100000 --pyshacl-max 1000

Observations look like mapping.py's (values, ratio, evidence with selectors, period),
ten per article, with one broken ratio per 1000 observations, so every run must report
exactly n/1000 RatioAgreesShape violations. The engines are first proven equal on every
example in tests/shapes/ (skip with --no-proof).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pyoxigraph as ox

from cdskg.validate import (
    PYSHACL,
    TURBO,
    load_shapes,
    pyshacl_turbo,
    to_ntriples,
    to_rdflib,
    validate_graph,
)

ROOT = Path(__file__).resolve().parents[1]
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
    to the validator, see pipeline.ArticleBuilder)."""
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
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def prove_equivalence(shapes) -> str:
    import rdflib

    files = sorted((ROOT / "tests" / "shapes").glob("*.ttl"))
    same = 0
    for path in files:
        data = rdflib.Graph().parse(path, format="turtle")
        a = validate_graph(data, shapes, engine=PYSHACL)
        b = validate_graph(data, shapes, engine=TURBO)
        key_a = sorted((v.focus, v.shape, v.path or "", v.value or "") for v in a.violations)
        key_b = sorted((v.focus, v.shape, v.path or "", v.value or "") for v in b.violations)
        if a.conforms == b.conforms and key_a == key_b:
            same += 1
        else:
            print(f"  DIFFERENT: {path.name}")
    return f"{same}/{len(files)} example files give identical results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--pyshacl-max", type=int, default=1_000, help="largest size pySHACL is run on (it is slow)"
    )
    parser.add_argument("--per-article-max", type=int, default=10_000)
    parser.add_argument("--no-proof", action="store_true")
    args = parser.parse_args()
    shapes = load_shapes(ROOT / "shapes")
    engines = [PYSHACL] + ([TURBO] if pyshacl_turbo is not None else [])
    if TURBO in engines and not args.no_proof:
        print("equivalence:", prove_equivalence(shapes))
    rows = []
    for n in args.sizes:
        store, graphs = build_store(n)
        data, convert = timed(
            lambda store=store: to_rdflib(store.quads_for_pattern(None, None, None))
        )
        for engine in engines:
            if engine == PYSHACL and n > args.pyshacl_max:
                continue
            result, secs = timed(lambda e=engine, d=data: validate_graph(d, shapes, engine=e))
            rows.append(
                (n, len(data), engine, "whole store", secs, convert, len(result.violations))
            )
            if engine == TURBO:
                text, convert_nt = timed(
                    lambda store=store: to_ntriples(store.quads_for_pattern(None, None, None))
                )
                result, secs = timed(lambda t=text: validate_graph(t, shapes, engine=TURBO))
                rows.append(
                    (
                        n,
                        len(data),
                        engine,
                        "whole store, N-Triples",
                        secs,
                        convert_nt,
                        len(result.violations),
                    )
                )
            if n <= args.per_article_max:

                def per_article(e=engine, graphs=graphs):
                    return sum(len(validate_graph(g, shapes, engine=e).violations) for g in graphs)

                found, secs = timed(per_article)
                rows.append((n, len(data), engine, f"per article ×{len(graphs)}", secs, 0.0, found))
            print(*rows[-1], flush=True)
    print(
        f"{'obs':>7} {'triples':>9} {'engine':8} {'mode':20} {'validate s':>10} "
        f"{'convert s':>11} {'results':>7}"
    )
    for n, triples, engine, mode, secs, convert, found in rows:
        print(f"{n:>7} {triples:>9} {engine:8} {mode:20} {secs:>10.2f} {convert:>11.2f} {found:>7}")


if __name__ == "__main__":
    main()
