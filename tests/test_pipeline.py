"""The build as users run it: incremental, atomic under kill -9, parallel, concurrent
with a running server, recording its own provenance, and tolerant of bad files."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from cdskg.build import pipeline
from cdskg.build.pipeline import BuildOptions, run_build
from cdskg.build.progress import ProgressPrinter
from cdskg.settings import project_paths
from cdskg.store.generations import StoreLayout, open_read_only
from cdskg.web.pages.words import when
from conftest import CDSKG, REPO, run_cli, serving

ARTICLE_GRAPHS = """
SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o }
  FILTER(STRSTARTS(STR(?g), "https://w3id.org/cdskg/id/article/")) } GROUP BY ?g ORDER BY ?g"""

# Our own paragraph in the genre, for articles the tests make up.
OWN_ARTICLE = """Xã Tân Phú đẩy mạnh chuyển đổi số năm {year}

Theo UBND huyện Châu Thành, tính đến ngày 30-6-{year}, xã Tân Phú đã kích hoạt {count} tài khoản
định danh điện tử, tỷ lệ hồ sơ trực tuyến đạt {rate}%.
"""


def graph_sizes(store: Path) -> dict[str, int]:
    st, _ = open_read_only(store)
    return {r["g"].value: int(r["n"].value) for r in st.query(ARTICLE_GRAPHS)}


def write_corpus(folder: Path, n: int, year: int = 2023) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        path = folder / f"own_{i:03d}.txt"
        path.write_text(
            OWN_ARTICLE.format(year=year, count=1000 + i, rate=f"{50 + i % 40},5"),
            encoding="utf-8",
        )
        files.append(path)
    return files


def test_parallel_build_equals_serial(tmp_path: Path, corpus: Path) -> None:
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    a = run_cli("build", str(corpus), "--store", str(serial), "--jobs", "1")
    b = run_cli("build", str(corpus), "--store", str(parallel), "--jobs", "2")
    assert a.returncode == b.returncode and a.returncode in (0, 1), (a.stderr, b.stderr)
    assert graph_sizes(serial) == graph_sizes(parallel)
    st1, _ = open_read_only(serial)
    st2, _ = open_read_only(parallel)
    for graph in graph_sizes(serial):
        g = ox.NamedNode(graph)
        assert set(st1.quads_for_pattern(None, None, None, g)) == set(
            st2.quads_for_pattern(None, None, None, g)
        )


def _quads_by_graph(store: Path) -> dict[str, set[ox.Quad]]:
    st, _ = open_read_only(store)
    return {
        graph: set(st.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        for graph in graph_sizes(store)
    }


def test_loading_in_batches_replaces_changed_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accepted articles go into the store in batches: with one article per batch, a
    rebuild that changes two of four articles ends with the graphs of a fresh build."""
    folder = tmp_path / "c"
    files = write_corpus(folder, 4)
    options = BuildOptions([folder], tmp_path / "batched", project_paths())
    quiet = ProgressPrinter(io.StringIO(), tty=False)
    monkeypatch.setattr(pipeline, "LOAD_BATCH_BYTES", 1)
    run_build(options, quiet)
    for path in files[:2]:
        path.write_text(path.read_text(encoding="utf-8").replace("2023", "2022"), "utf-8")
    counts = run_build(options, quiet).counts()
    assert (counts["changed"], counts["unchanged"]) == (2, 2)
    monkeypatch.undo()
    run_build(BuildOptions([folder], tmp_path / "fresh", project_paths()), quiet)
    assert _quads_by_graph(tmp_path / "batched") == _quads_by_graph(tmp_path / "fresh")


def test_prune_drops_only_when_asked(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    files = write_corpus(folder, 3)
    store = tmp_path / "s"
    run_cli("build", str(folder), "--store", str(store), check=0)
    files[0].unlink()
    run_cli("build", str(folder), "--store", str(store), check=0)
    assert len(graph_sizes(store)) == 3
    generation = StoreLayout(store).current_id()
    proc = run_cli("build", str(folder), "--store", str(store), "--prune", check=0)
    assert "1 removed" in proc.stdout
    # the progress line says what the build is about to do, not that there is nothing to do
    assert "nothing to build" not in proc.stderr
    assert "1 article is no longer in the corpus: removing" in proc.stderr
    assert proc.stdout.startswith(f"built {store} (generation ")
    assert StoreLayout(store).current_id() != generation
    assert len(graph_sizes(store)) == 2


def test_kill_9_mid_build_leaves_the_previous_store(tmp_path: Path, built_store: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store, symlinks=True)
    before = graph_sizes(store)
    version = StoreLayout(store).current_id()
    folder = tmp_path / "many"
    write_corpus(folder, 400, year=2024)
    proc = subprocess.Popen(
        [*CDSKG, "build", str(folder), "--store", str(store), "--jobs", "1"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # wait until articles are being written into the new generation, then kill hard
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("[20/"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert StoreLayout(store).current_id() == version
    assert graph_sizes(store) == before  # opens with no repair step, old state intact
    # the next build cleans the half-written generation and succeeds
    run_cli("build", str(folder), "--store", str(store), check=0)
    assert len(graph_sizes(store)) == len(before) + 400
    assert not any(p.name.endswith(".partial") for p in (store / "generations").iterdir())


def test_server_sees_a_rebuild_without_restart(tmp_path: Path, built_store: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store, symlinks=True)
    folder = tmp_path / "new"
    write_corpus(folder, 2, year=2024)
    ask = "ASK { GRAPH <https://w3id.org/cdskg/id/article/own-001> { ?s ?p ?o } }"
    with serving(store, tmp_path / "serve.log") as base:
        r = requests.get(base + "/sparql", params={"query": ask}, timeout=10)
        assert r.json()["boolean"] is False
        old_version = r.headers["X-Store-Version"]
        run_cli("build", str(folder), "--store", str(store), check=0)
        r = requests.get(base + "/sparql", params={"query": ask}, timeout=10)
        assert r.json()["boolean"] is True
        assert r.headers["X-Store-Version"] != old_version


def test_build_records_its_provenance(built_store: Path) -> None:
    st, _ = open_read_only(built_store)
    rows = list(
        st.query(
            """SELECT ?added ?triples ?version ?onto ?hash ?start ?end WHERE {
              GRAPH <https://w3id.org/cdskg/id/graph/meta> {
                ?run a prov:Activity, cdskg:BuildRun ; cdskg:articlesAdded ?added ;
                  cdskg:tripleCount ?triples ; cdskg:softwareVersion ?version ;
                  cdskg:ontologyVersion ?onto ; cdskg:corpusHash ?hash ;
                  prov:startedAtTime ?start ; prov:endedAtTime ?end } }""",
            prefixes={
                "prov": "http://www.w3.org/ns/prov#",
                "cdskg": "https://w3id.org/cdskg/ontology#",
            },
        )
    )
    assert len(rows) == 1
    row = rows[0]
    assert int(row["added"].value) == 5
    assert int(row["triples"].value) > 1000
    assert len(row["hash"].value) == 64
    assert row["start"].value <= row["end"].value


def test_bad_files_are_reported_and_the_rest_builds(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    write_corpus(folder, 1)
    (folder / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "huge.txt").write_text("Tiêu đề\n" + "x" * 5000, encoding="utf-8")
    utf16 = OWN_ARTICLE.format(year=2023, count=777, rate="66,6").replace("Tân Phú", "Tân Hòa")
    (folder / "utf16.txt").write_bytes(utf16.encode("utf-16"))
    proc = run_cli(
        "build", str(folder), "--store", str(tmp_path / "s"), "--max-bytes", "4000", check=1
    )
    assert "empty.txt: is empty" in proc.stderr
    assert "binary.txt" in proc.stderr and "binary" in proc.stderr
    assert "huge.txt" in proc.stderr and "over the limit" in proc.stderr
    assert "2 added" in proc.stdout and "3 unreadable" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_progress_lines_when_not_a_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    write_corpus(folder, 3)
    proc = run_cli("build", str(folder), "--store", str(tmp_path / "s"), "--jobs", "1", check=0)
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("[")]
    assert [ln.split("]")[0] for ln in lines] == ["[1/3", "[2/3", "[3/3"]
    assert "\r" not in proc.stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    write_corpus(folder, 3)
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [*CDSKG, "build", str(folder), "--store", str(tmp_path / "s"), "--jobs", "1"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    out = b"".join(chunks).decode(errors="replace")
    assert "\r[" in out and "3/3 articles" in out
    assert proc.returncode == 0


_ = sys


def test_home_and_void_say_when_the_data_was_last_built(server: str, built_store: Path) -> None:
    st, _ = open_read_only(built_store)
    [row] = list(
        st.query(
            "SELECT ?end WHERE { GRAPH <https://w3id.org/cdskg/id/graph/meta> {"
            " ?run <http://www.w3.org/ns/prov#endedAtTime> ?end } }"
        )
    )
    ended = row["end"].value
    # the home page writes the time as people do (words.when), in its default language
    assert when(ended, "vi") in requests.get(server + "/", timeout=30).text
    void = requests.get(server + "/void", headers={"Accept": "application/n-triples"}, timeout=120)
    assert void.status_code == 200
    graph = ox.Store()
    graph.load(void.content, format=ox.RdfFormat.N_TRIPLES)
    modified = [
        q.object.value
        for q in graph.quads_for_pattern(
            None, ox.NamedNode("http://purl.org/dc/terms/modified"), None
        )
    ]
    assert ended in modified
