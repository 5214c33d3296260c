"""Exports through the real CLI: round trips, determinism across builds, the CSV."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from cdskg.publish.export import (
    EXPORT_FORMATS,
    export_many,
    exported_quad_count,
    union_triples,
)
from cdskg.publish.table import CSV_COLUMNS
from cdskg.rdf.iri import META_GRAPH
from cdskg.store.generations import open_read_only
from conftest import run_cli

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
QB_OBS = ox.NamedNode("http://purl.org/linked-data/cube#Observation")


@pytest.fixture(scope="module")
def exports(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    for fmt in EXPORT_FORMATS:
        run_cli(
            "export", "--store", str(built_store), "--format", fmt,
            "--out", str(out / f"cdskg.{fmt}"), check=0,
        )  # fmt: skip
    return out


def _has_blank(t) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def _assert_isomorphic(expected: list, actual: list) -> None:
    """Ground triples equal; the blank-node parts isomorphic (rdflib's canonical check)."""
    exp_ground = {str(t) for t in expected if not _has_blank(t)}
    act_ground = {str(t) for t in actual if not _has_blank(t)}
    assert exp_ground == act_ground
    exp_blank = [t for t in expected if _has_blank(t)]
    act_blank = [t for t in actual if _has_blank(t)]
    assert len(exp_blank) == len(act_blank)
    g1, g2 = Graph(), Graph()
    g1.parse(data="\n".join(f"{t} ." for t in exp_blank), format="nt")
    g2.parse(data="\n".join(f"{t} ." for t in act_blank), format="nt")
    assert isomorphic(g1, g2)


def _store_graphs(built_store: Path) -> dict[str, list[ox.Triple]]:
    st, _ = open_read_only(built_store)
    graphs: dict[str, list[ox.Triple]] = {}
    for q in st.quads_for_pattern(None, None, None, None):
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == META_GRAPH:
            continue
        graphs.setdefault(str(q.graph_name), []).append(q.triple)
    return graphs


def test_turtle_round_trip_is_the_union_graph(built_store: Path, exports: Path) -> None:
    fresh = ox.Store()
    fresh.load(path=str(exports / "cdskg.ttl"), format=ox.RdfFormat.TURTLE)
    union = {t for ts in _store_graphs(built_store).values() for t in ts}
    loaded = [q.triple for q in fresh]
    assert len(loaded) == len(set(loaded))
    _assert_isomorphic(list(union), loaded)


@pytest.mark.parametrize("fmt", ["trig", "nq"])
def test_quad_round_trip_keeps_the_article_graphs(
    built_store: Path, exports: Path, fmt: str
) -> None:
    fresh = ox.Store()
    rdf_format = ox.RdfFormat.TRIG if fmt == "trig" else ox.RdfFormat.N_QUADS
    fresh.load(path=str(exports / f"cdskg.{fmt}"), format=rdf_format)
    expected = _store_graphs(built_store)
    loaded: dict[str, list[ox.Triple]] = {}
    for q in fresh:
        loaded.setdefault(str(q.graph_name), []).append(q.triple)
    assert sorted(loaded) == sorted(expected)
    assert any("/id/article/" in g for g in loaded)
    assert f"<{META_GRAPH}>" not in loaded
    for g in expected:
        _assert_isomorphic(expected[g], loaded[g])


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_union_exports_write_each_triple_once(exports: Path, fmt: str) -> None:
    """A triple stated by several articles is one triple of the union graph, written once
    (a store loading the file would merge repeats; a reader counting lines would not)."""
    rdf_format = ox.RdfFormat.TURTLE if fmt == "ttl" else ox.RdfFormat.JSON_LD
    triples = list(ox.parse(path=str(exports / f"cdskg.{fmt}"), format=rdf_format))
    repeated = [t for t, n in Counter(triples).items() if n > 1]
    assert not repeated, repeated[:5]


def test_jsonld_parses_to_the_same_graph_as_turtle(exports: Path) -> None:
    ttl, jsonld = ox.Store(), ox.Store()
    ttl.load(path=str(exports / "cdskg.ttl"), format=ox.RdfFormat.TURTLE)
    jsonld.load(path=str(exports / "cdskg.jsonld"), format=ox.RdfFormat.JSON_LD)
    _assert_isomorphic([q.triple for q in ttl], [q.triple for q in jsonld])


def test_csv_one_row_per_observation(built_store: Path, exports: Path) -> None:
    st, _ = open_read_only(built_store)
    observations = {q.subject.value for q in st.quads_for_pattern(None, RDF_TYPE, QB_OBS, None)}
    raw = (exports / "cdskg.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs read UTF-8
    assert b"\r\n" in raw
    with (exports / "cdskg.csv").open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == tuple(n for n, _ in CSV_COLUMNS)
        rows = list(reader)
    assert len(rows) == len(observations)
    assert {r["observation"] for r in rows} == observations
    assert [r["observation"] for r in rows] == sorted(r["observation"] for r in rows)
    binh_thuy = [r for r in rows if r["locality_code"] == "918"]
    assert binh_thuy
    row = binh_thuy[0]
    assert row["locality"] == "Quận Bình Thủy"
    assert row["province"] == "Thành phố Cần Thơ"
    assert row["province_code"] == "92"
    assert row["locality_level"] == "urban-district"
    assert row["article_title"] and row["quote"] and row["pillar"]
    # issue 21, point 1: a ward average and a bound are told apart from a district's total
    assert "commune-average" in {r["breakdown"] for r in binh_thuy}
    assert "more-than" in {r["qualifier"] for r in binh_thuy}
    for r in rows:
        assert r["breakdown"]
        float(r["value"])
        assert r["period"] and r["indicator"] and r["unit"]
        assert r["quote"][:1] not in ("=", "+", "@")


def test_csvw_metadata_describes_every_column(tmp_path: Path, built_store: Path) -> None:
    meta = tmp_path / "cdskg.csv-metadata.json"
    run_cli("export", "--store", str(built_store), "--format", "csvw", "--out", str(meta), check=0)
    doc = json.loads(meta.read_text(encoding="utf-8"))
    names = [c["name"] for c in doc["tableSchema"]["columns"]]
    assert names == [n for n, _ in CSV_COLUMNS]
    assert all(c["dc:description"] for c in doc["tableSchema"]["columns"])


def test_two_builds_give_identical_exports(corpus: Path, exports: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = run_cli("build", str(corpus), "--store", str(store))
    assert proc.returncode in (0, 1), proc.stderr
    for fmt in EXPORT_FORMATS:
        out = tmp_path / f"again.{fmt}"
        run_cli("export", "--store", str(store), "--format", fmt, "--out", str(out), check=0)
        assert out.read_bytes() == (exports / f"cdskg.{fmt}").read_bytes(), fmt


def test_one_pass_export_gives_the_same_files(
    built_store: Path, exports: Path, tmp_path: Path
) -> None:
    """build_downloads' one pass over the store writes what the exports one by one write."""
    st, _ = open_read_only(built_store)
    outs = {fmt: tmp_path / f"many.{fmt}" for fmt in EXPORT_FORMATS}
    counts = export_many(st, outs)
    for fmt in EXPORT_FORMATS:
        assert outs[fmt].read_bytes() == (exports / f"cdskg.{fmt}").read_bytes(), fmt
    assert counts["nq"] == counts["trig"] == exported_quad_count(st)
    assert counts["ttl"] == counts["jsonld"] == sum(1 for _ in union_triples(st))
    assert not list(tmp_path.glob(".*partial"))


def test_unknown_format_is_a_usage_error(built_store: Path, tmp_path: Path) -> None:
    proc = run_cli(
        "export", "--store", str(built_store), "--format", "xls",
        "--out", str(tmp_path / "x"), check=2,
    )  # fmt: skip
    assert "xls" in proc.stderr
