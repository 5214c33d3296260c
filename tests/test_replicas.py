"""Read replicas: `cdskg publish --to DIR` copies a finished generation next to a serving
store and switches it; servers on the copies answer with the source's version."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from cdskg.errors import StoreError
from cdskg.store.generations import StoreLayout
from cdskg.store.replica import publish
from conftest import add_generation, run_cli, serving

ASK_NEW = "ASK { GRAPH ?g { <http://example.org/new> ?p ?o } }"


def _ask_new(base: str) -> tuple[bool, str]:
    resp = requests.get(
        base + "/sparql",
        params={"query": ASK_NEW},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["boolean"], resp.headers["X-Store-Version"]


def test_two_servers_on_two_replicas_serve_the_published_version(
    store_copy: Path, tmp_path: Path
) -> None:
    replicas = [tmp_path / "replica-a", tmp_path / "replica-b"]
    for replica in replicas:
        run_cli("publish", "--store", str(store_copy), "--to", str(replica), check=0)
    before = StoreLayout(store_copy).current_id()
    logs = tmp_path / "a.log", tmp_path / "b.log"
    with (
        serving(replicas[0], logs[0], "--workers", "1") as a,
        serving(replicas[1], logs[1], "--workers", "1") as b,
    ):
        assert _ask_new(a) == (False, before)
        assert _ask_new(b) == (False, before)
        add_generation(store_copy)  # a new build of the source store
        after = StoreLayout(store_copy).current_id()
        assert after != before
        for replica in replicas:
            proc = run_cli("publish", "--store", str(store_copy), "--to", str(replica), check=0)
            assert f"published generation {after}" in proc.stdout
        # the next request on each server sees the new generation, with its data
        assert _ask_new(a) == (True, after)
        assert _ask_new(b) == (True, after)


def test_publishing_the_served_generation_again_copies_nothing(
    store_copy: Path, tmp_path: Path
) -> None:
    replica = tmp_path / "replica"
    first = publish(store_copy, replica)
    assert first.switched and first.copied_bytes > 0
    again = publish(store_copy, replica)
    assert not again.switched and again.copied_bytes == 0
    proc = run_cli("publish", "--store", str(store_copy), "--to", str(replica), check=0)
    assert "already serves generation" in proc.stdout


def test_a_replica_keeps_the_build_report_for_its_validation_page(
    store_copy: Path, tmp_path: Path
) -> None:
    replica = tmp_path / "replica"
    done = publish(store_copy, replica)
    source_report = StoreLayout(store_copy).reports / f"{done.generation}.json"
    assert (StoreLayout(replica).reports / f"{done.generation}.json").read_bytes() == (
        source_report.read_bytes()
    )


def test_a_generation_folder_moved_elsewhere_is_published_under_its_own_name(
    store_copy: Path, tmp_path: Path
) -> None:
    generation = StoreLayout(store_copy).current()
    assert generation is not None
    staged = tmp_path / "staging" / generation.name  # where an rsync would have put it
    shutil.copytree(generation, staged)
    replica = tmp_path / "replica"
    done = publish(staged, replica)
    assert StoreLayout(replica).current_id() == generation.name == done.generation


def test_a_replica_never_goes_back_to_an_older_generation(store_copy: Path, tmp_path: Path) -> None:
    old = StoreLayout(store_copy).current()
    assert old is not None
    replica = tmp_path / "replica"
    add_generation(store_copy)
    publish(store_copy, replica)
    with pytest.raises(StoreError, match="newer than"):
        publish(old, replica)
    proc = run_cli("publish", "--store", str(old), "--to", str(replica), check=2)
    assert "newer than" in proc.stderr and "Traceback" not in proc.stderr


def test_a_copy_that_does_not_open_leaves_the_replica_on_what_it_served(
    store_copy: Path, tmp_path: Path
) -> None:
    replica = tmp_path / "replica"
    publish(store_copy, replica)
    served = StoreLayout(replica).current_id()
    broken = tmp_path / "staging" / "999999"  # looks like a generation, holds no store
    broken.mkdir(parents=True)
    (broken / "CURRENT").write_text("MANIFEST-000001\n")
    with pytest.raises(StoreError, match="does not open as a store"):
        publish(broken, replica)
    layout = StoreLayout(replica)
    assert layout.current_id() == served
    assert not any(p.name.endswith(".partial") for p in layout.generations.iterdir())


def test_a_folder_that_is_no_store_is_refused_with_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="neither a cdskg store"):
        publish(tmp_path / "nothing", tmp_path / "replica")
