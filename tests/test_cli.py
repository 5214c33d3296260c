"""Every CLI command, through the real command line, with each exit code."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pyoxigraph as ox

from cdskg.store.generations import StoreLayout
from conftest import run_cli

BINH_THUY = "https://w3id.org/cdskg/id/unit/pre2025/district/918"


def test_build_reports_every_article(built_store: Path) -> None:
    report = json.loads((built_store.parent / "report.json").read_text(encoding="utf-8"))
    assert len(report["articles"]) == 5
    assert {a["status"] for a in report["articles"]} <= {"added", "rejected"}
    assert report["counts"]["facts"] > 0
    for article in report["articles"]:
        assert "skipped_numbers" in article and "warnings" in article and "dropped" in article


def test_build_is_idempotent(store_copy: Path, corpus: Path) -> None:
    def count() -> int:
        proc = run_cli(
            "query",
            "--store",
            str(store_copy),
            "--format",
            "csv",
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o }"
            " FILTER(STRSTARTS(STR(?g), 'https://w3id.org/cdskg/id/article/')) }",
            check=0,
        )
        return int(proc.stdout.split()[1])

    before = count()
    assert before > 0
    generation = StoreLayout(store_copy).current_id()
    proc = run_cli("build", str(corpus), "--store", str(store_copy))
    assert proc.returncode in (0, 1), proc.stderr
    assert "5 unchanged" in proc.stdout
    assert count() == before
    # nothing changed: no new generation, and the summary says which one stays in service
    assert StoreLayout(store_copy).current_id() == generation
    assert f"nothing changed: {store_copy} keeps generation {generation}:" in proc.stdout
    assert "nothing to build: every article is unchanged" in proc.stderr


def test_rebuild_of_a_changed_article_replaces_its_graph(
    store_copy: Path, corpus: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    source = next(iter(sorted(corpus.glob("*.txt"))))
    target = folder / source.name
    target.write_text(
        source.read_text(encoding="utf-8")
        + "\nTính đến ngày 1-9-2023, toàn quận có 123.456 tài khoản định danh điện tử"
        " được kích hoạt.\n",
        encoding="utf-8",
    )
    proc = run_cli("build", str(target), "--store", str(store_copy))
    assert proc.returncode in (0, 1), proc.stderr
    assert "1 changed" in proc.stdout
    out = run_cli(
        "query",
        "--store",
        str(store_copy),
        "--format",
        "csv",
        "SELECT ?v WHERE { ?o sdmx-measure:obsValue ?v FILTER(?v = 123456) }",
        check=0,
    )
    assert out.stdout.split() == ["v", "123456"]


def test_build_exit_2_on_missing_corpus(tmp_path: Path) -> None:
    proc = run_cli("build", str(tmp_path / "nope"), "--store", str(tmp_path / "s"), check=2)
    assert "nope" in proc.stderr and "Traceback" not in proc.stderr


def test_build_exit_1_when_an_article_is_unreadable(tmp_path: Path, corpus: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    source = sorted(corpus.glob("*.txt"))[3]
    (folder / source.name).write_bytes(source.read_bytes())
    (folder / "broken.txt").write_bytes(b"\xff\xfe\x00binary\x00\x00" * 10 + b"\xc3\x28")
    (folder / "latin1.txt").write_bytes("Chuyển đổi số".encode()[:3] + b"\xe9t\xe9\n")
    proc = run_cli("build", str(folder), "--store", str(tmp_path / "s"), check=1)
    assert "latin1.txt" in proc.stderr and "not UTF-8" in proc.stderr
    assert "1 added" in proc.stdout


def test_query_formats_and_exit_codes(built_store: Path) -> None:
    q = "SELECT ?a WHERE { ?a a schema:NewsArticle } ORDER BY ?a"
    out = run_cli("query", "--store", str(built_store), q, check=0)
    data = json.loads(out.stdout)
    assert len(data["results"]["bindings"]) == 5
    out = run_cli("query", "--store", str(built_store), "--format", "tsv", q, check=0)
    assert out.stdout.startswith("?a\n")
    bad = run_cli("query", "--store", str(built_store), "SELECT ?a WHERE {", check=2)
    assert "1:" in bad.stderr and "QUERY" in bad.stderr and "Traceback" not in bad.stderr
    none = run_cli("query", "--store", str(built_store), check=2)
    assert "exactly one" in none.stderr


def test_query_from_file_and_missing_store(built_store: Path, tmp_path: Path) -> None:
    f = tmp_path / "q.rq"
    f.write_text("ASK { ?s a qb:Observation }", encoding="utf-8")
    out = run_cli("query", "--store", str(built_store), "--file", str(f), check=0)
    assert json.loads(out.stdout)["boolean"] is True
    missing = run_cli("query", "--store", str(tmp_path / "none"), "ASK {}", check=2)
    assert "cdskg build" in missing.stderr


def test_construct_as_turtle(built_store: Path) -> None:
    pattern = f"?o sdmx-dimension:refArea <{BINH_THUY}>"
    q = f"CONSTRUCT {{ {pattern} }} WHERE {{ {pattern} }}"
    out = run_cli("query", "--store", str(built_store), "--format", "ttl", q, check=0)
    parsed = list(ox.parse(out.stdout.encode(), format=ox.RdfFormat.TURTLE))
    assert parsed and all(t.object.value == BINH_THUY for t in parsed)


def test_validate_store_and_files(built_store: Path, tmp_path: Path) -> None:
    proc = run_cli(
        "validate", "--store", str(built_store), "--report-graph", str(tmp_path / "r.ttl")
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert (tmp_path / "r.ttl").exists()
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix qb: <http://purl.org/linked-data/cube#> .\n"
        "<http://example.org/o1> a qb:Observation .\n",
        encoding="utf-8",
    )
    out = run_cli("validate", str(bad), check=1)
    assert "http://example.org/o1" in out.stdout
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .", encoding="utf-8")
    err = run_cli("validate", str(broken), check=2)
    assert "broken.ttl" in err.stderr
    run_cli("validate", check=2)


def test_export_turtle_and_csv(built_store: Path, tmp_path: Path) -> None:
    ttl = tmp_path / "all.ttl"
    run_cli("export", "--store", str(built_store), "--format", "ttl", "--out", str(ttl), check=0)
    graph = ox.Store()
    graph.load(ttl.read_bytes(), format=ox.RdfFormat.TURTLE)
    assert len(graph) > 1000
    n_obs = len(
        list(
            graph.quads_for_pattern(
                None,
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode("http://purl.org/linked-data/cube#Observation"),
            )
        )
    )
    out = tmp_path / "obs.csv"
    run_cli("export", "--store", str(built_store), "--format", "csv", "--out", str(out), check=0)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == n_obs
    assert any(r["locality"] == "Quận Bình Thủy" for r in rows)
    run_cli("export", "--store", str(built_store), "--format", "xls", "--out", str(out), check=2)


def test_the_readme_shows_what_a_catalogue_query_prints(built_store: Path) -> None:
    """Issue 21 point 14: the README's sample of `--name indicator-by-locality` is its output
    (piped through the `head -3 | cut -d, -f1-7` the README shows)."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    command = (
        "$ cdskg query --store data/store --name indicator-by-locality --format csv"
        " | head -3 | cut -d, -f1-7\n"
    )
    assert command in readme
    shown = readme.split(command, 1)[1].split("```", 1)[0].splitlines()
    out = run_cli(
        "query", "--store", str(built_store), "--name", "indicator-by-locality", "--format", "csv"
    )
    printed = [",".join(line.split(",")[:7]) for line in out.stdout.splitlines()[:3]]
    assert shown == printed


def test_query_by_catalogue_name_with_params(built_store: Path) -> None:
    binh_thuy = "https://w3id.org/cdskg/id/unit/pre2025/district/918"
    out = run_cli(
        "query",
        "--store",
        str(built_store),
        "--name",
        "indicator-by-locality",
        "--format",
        "csv",
        check=0,
    )
    rows = out.stdout.splitlines()
    assert rows[0].startswith("indicator,area") and any(binh_thuy in r for r in rows[1:])
    bad = run_cli(
        "query",
        "--store",
        str(built_store),
        "--name",
        "indicator-by-locality",
        "--param",
        "nosuch=1",
        check=2,
    )
    assert "nosuch" in bad.stderr and "Traceback" not in bad.stderr
    unknown = run_cli("query", "--store", str(built_store), "--name", "nope", check=2)
    assert "indicator-by-locality" in unknown.stderr


def test_the_readme_says_how_make_demo_runs_and_stops() -> None:
    """Issue 21 point 14: `make demo` serves in the foreground until Ctrl-C, and the README
    says so; the Makefile's demo ends with the server, not started in the background."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert re.search(r"`make demo` stays in the foreground.*Ctrl-C stops the server", readme, re.S)
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0].strip().splitlines()
    assert "cdskg serve" in demo[-1] and not demo[-1].rstrip().endswith("&"), demo
