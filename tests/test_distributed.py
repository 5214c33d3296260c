"""Builds on a Dask cluster: a real `dask scheduler` and `dask worker` processes on
127.0.0.1, the real `cdskg build --scheduler`, the graphs compared with `--jobs 1`."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cdskg.serve.lifetime import die_with_parent
from conftest import CDSKG, REPO, free_port, run_cli

distributed = pytest.importorskip("distributed", reason="make install-test installs cdskg[dask]")

DASK = [sys.executable, "-m", "dask"]
PARAGRAPHS = REPO / "tests" / "paragraphs"


@dataclass
class Cluster:
    address: str
    logs: Path
    scheduler: subprocess.Popen[str]
    workers: list[subprocess.Popen[str]] = field(default_factory=list)


def _env(home: Path | None = None, **dask: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "RAYON_NUM_THREADS": "1", **dask}
    if home is not None:
        env["CDSKG_HOME"] = str(home)
    return env


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    with log.open("w") as fh:
        return subprocess.Popen(
            [*DASK, *args],
            cwd=REPO,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            text=True,
            # if pytest itself is killed, the cluster goes with it
            preexec_fn=lambda: die_with_parent(signal.SIGTERM),
        )


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def add_worker(cluster: Cluster, home: Path | None = None) -> subprocess.Popen[str]:
    n = len(cluster.workers)
    args = ["worker", cluster.address, "--nthreads", "1", "--no-nanny", "--no-dashboard"]
    proc = _start(
        [*args, "--host", "127.0.0.1", "--name", f"w{n}"],
        cluster.logs / f"worker-{n}.log",
        _env(home),
    )
    cluster.workers.append(proc)
    return proc


def wait_for_workers(cluster: Cluster, n: int, timeout: float = 120) -> None:
    with distributed.Client(cluster.address, timeout=30, set_as_default=False) as client:
        client.wait_for_workers(n, timeout=timeout)


@contextlib.contextmanager
def dask_cluster(
    logs: Path, workers: int = 2, home: Path | None = None, **dask: str
) -> Iterator[Cluster]:
    """A scheduler (``dask``: its DASK_* configuration variables) and ``workers``
    single-threaded workers; stopped however the test ends."""
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    scheduler = _start(
        ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        logs / "scheduler.log",
        _env(**dask),
    )
    cluster = Cluster(f"tcp://127.0.0.1:{port}", logs, scheduler)
    try:
        for _ in range(workers):
            add_worker(cluster, home)
        wait_for_workers(cluster, workers)
        yield cluster
    finally:
        for proc in cluster.workers:
            _stop(proc)
        _stop(scheduler)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with dask_cluster(tmp_path_factory.mktemp("dask")) as running:
        yield running


def _graphs(store: Path, out: Path) -> bytes:
    """The store's graphs as N-Quads (the export leaves out the build's own metadata)."""
    run_cli("export", "--store", str(store), "--format", "nq", "--out", str(out), check=0)
    return out.read_bytes()


def _corpus(folder: Path, copies: int) -> Path:
    """Our test paragraphs, each under ``copies`` file names (an article per name)."""
    folder.mkdir()
    for k in range(copies):
        for path in sorted(PARAGRAPHS.glob("*.txt")):
            shutil.copyfile(path, folder / f"{k:03d}_{path.name}")
    return folder


def _counts(report: Path) -> dict[str, int]:
    return json.loads(report.read_text(encoding="utf-8"))["counts"]


def test_a_build_on_two_workers_writes_the_graphs_of_jobs_1_byte_for_byte(
    cluster: Cluster, corpus: Path, tmp_path: Path
) -> None:
    local, remote = tmp_path / "local", tmp_path / "dask"
    run_cli("build", str(corpus), "--store", str(local), "--jobs", "1", check=0)
    report = tmp_path / "report.json"
    args = ["build", str(corpus), "--store", str(remote), "--report", str(report)]
    proc = run_cli(*args, "--scheduler", cluster.address, check=0)
    assert "5 added" in proc.stdout
    assert _graphs(remote, tmp_path / "dask.nq") == _graphs(local, tmp_path / "local.nq")
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["timings"]["scheduler"] == cluster.address
    assert data["timings"]["worker_cpu_seconds"]["extract"] > 0  # the workers' own stopwatches
    # today's incremental rules: nothing changed, nothing is sent to the cluster
    again = run_cli(*args, "--scheduler", cluster.address, check=0)
    assert "0 added, 0 changed, 5 unchanged" in again.stdout
    assert json.loads(report.read_text(encoding="utf-8"))["timings"]["articles_built"] == 0


def test_no_scheduler_at_the_address_is_a_usage_error_and_the_store_stays(
    store_copy: Path,
) -> None:
    before = os.readlink(store_copy / "current")
    address = f"tcp://127.0.0.1:{free_port()}"
    changed = store_copy.parent / "changed"
    changed.mkdir()
    (changed / "new_article.txt").write_text(
        "Xã An Bình phủ sóng 4G\n\nNăm 2025, xã An Bình có 120 hộ dùng cáp quang.\n",
        encoding="utf-8",
    )
    proc = run_cli(
        "build", str(changed), "--store", str(store_copy), "--scheduler", address, check=2
    )
    assert f"--scheduler {address}: no Dask scheduler answers there" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert os.readlink(store_copy / "current") == before


def test_a_worker_of_another_ontology_version_is_refused_by_name(
    tmp_path: Path, corpus: Path
) -> None:
    other = tmp_path / "other-cdskg"
    for folder in ("ontology", "mappings", "shapes", "queries"):
        shutil.copytree(REPO / folder, other / folder)
    ttl = other / "ontology" / "cdskg.ttl"
    text = ttl.read_text(encoding="utf-8")
    assert "owl:versionInfo" in text
    ttl.write_text(text.replace('owl:versionInfo "', 'owl:versionInfo "9.9-other-', 1), "utf-8")
    store = tmp_path / "store"
    with dask_cluster(tmp_path / "logs", workers=1, home=other) as running:
        proc = run_cli(
            "build", str(corpus), "--store", str(store), "--scheduler", running.address, check=2
        )
    assert "Dask worker tcp://127.0.0.1:" in proc.stderr
    assert "ontology 9.9-other-" in proc.stderr and "its graphs would differ" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (store / "current").exists()  # nothing was switched


def test_the_articles_of_a_lost_worker_are_built_by_another(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus", copies=12)  # 120 articles
    local, remote = tmp_path / "local", tmp_path / "dask"
    run_cli("build", str(corpus), "--store", str(local), "--jobs", "1", check=0)
    report = tmp_path / "report.json"
    with dask_cluster(tmp_path / "logs", workers=2) as running:
        args = ["build", str(corpus), "--store", str(remote), "--report", str(report)]
        build = subprocess.Popen(
            [*CDSKG, *args, "--scheduler", running.address],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            victim = _kill_a_busy_worker(running, build)
            out, err = build.communicate(timeout=600)
        finally:
            if build.poll() is None:
                build.kill()
                build.wait()
    assert build.returncode == 0, err
    assert victim is not None, "no worker was seen busy before the build ended"
    counts = _counts(report)
    assert (counts["added"], counts["failed"]) == (120, 0), out
    assert _graphs(remote, tmp_path / "dask.nq") == _graphs(local, tmp_path / "local.nq")


def _kill_a_busy_worker(cluster: Cluster, build: subprocess.Popen[str]) -> str | None:
    """SIGKILL the first worker seen holding a task of the build; its name, or None if the
    build ended first."""
    with distributed.Client(cluster.address, timeout=30, set_as_default=False) as client:
        while build.poll() is None:
            busy = {addr: tasks for addr, tasks in client.processing().items() if tasks}
            if busy:
                addr = sorted(busy)[0]
                name = client.scheduler_info()["workers"][addr]["name"]
                cluster.workers[int(str(name)[1:])].send_signal(signal.SIGKILL)
                return str(name)
            time.sleep(0.05)
    return None


def test_an_article_whose_workers_keep_dying_is_reported_and_the_rest_is_built(
    tmp_path: Path,
) -> None:
    """Every worker seen building the poison article is killed (as an out-of-memory killer
    would); Dask gives up on its batch at once (allowed-failures 0), cdskg sends the batch's
    articles one by one, and only the poison article is missing, reported as failed."""
    corpus = _corpus(tmp_path / "corpus", copies=1)
    bodies = ["\n".join(p.read_text("utf-8").splitlines()[1:]) for p in sorted(corpus.iterdir())]
    # long enough to be seen at work (a few tenths of a second), first of its batch
    poison = corpus / "000_00_poison.txt"
    poison.write_text("Xã Tân Phú chuyển đổi số\n\n" + "\n\n".join(bodies * 100), "utf-8")
    local, remote = tmp_path / "local", tmp_path / "dask"
    expected = tmp_path / "expected"
    shutil.copytree(corpus, expected)
    (expected / poison.name).unlink()
    run_cli("build", str(expected), "--store", str(local), "--jobs", "1", check=0)
    report = tmp_path / "report.json"
    failures = {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    with dask_cluster(tmp_path / "logs", workers=2, **failures) as running:
        args = ["build", str(corpus), "--store", str(remote), "--report", str(report)]
        build = subprocess.Popen(
            [*CDSKG, *args, "--scheduler", running.address],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            kills = _kill_workers_building(running, build, poison.name)
            _out, err = build.communicate(timeout=600)
        finally:
            if build.poll() is None:
                build.kill()
                build.wait()
    assert build.returncode == 1, err  # an article failed: the data has a problem
    assert kills >= 2, (kills, err[-3000:])  # its batch, then the article alone
    data = json.loads(report.read_text(encoding="utf-8"))
    failed = [a for a in data["articles"] if a["status"] == "failed"]
    assert [a["file"] for a in failed] == [str(poison)]
    assert "the Dask workers building this article died" in failed[0]["error"]
    assert f"{poison}: the Dask workers" in err
    assert data["counts"]["added"] == len(bodies)
    assert _graphs(remote, tmp_path / "dask.nq") == _graphs(local, tmp_path / "local.nq")


def _kill_workers_building(cluster: Cluster, build: subprocess.Popen[str], name: str) -> int:
    """Until the build ends, SIGKILL every worker holding a task of the article ``name``
    (the task's key names its batch's first article) and start another in its place."""
    kills = 0
    with distributed.Client(cluster.address, timeout=30, set_as_default=False) as client:
        while build.poll() is None:
            for addr, keys in client.processing().items():
                if any(name in str(key) for key in keys):
                    worker = client.scheduler_info()["workers"].get(addr)
                    if worker is None:
                        continue
                    cluster.workers[int(str(worker["name"])[1:])].send_signal(signal.SIGKILL)
                    kills += 1
                    add_worker(cluster)
            time.sleep(0.02)
    return kills


def test_a_build_that_loses_its_scheduler_fails_and_leaves_the_store_as_it_was(
    tmp_path: Path,
) -> None:
    corpus = _corpus(tmp_path / "corpus", copies=12)
    store = tmp_path / "store"
    logs = tmp_path / "logs"
    with dask_cluster(logs, workers=1) as running:
        build = subprocess.Popen(
            [*CDSKG, "build", str(corpus), "--store", str(store), "--scheduler", running.address],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            with distributed.Client(running.address, timeout=30, set_as_default=False) as client:
                while build.poll() is None and not any(client.processing().values()):
                    time.sleep(0.05)
            running.scheduler.send_signal(signal.SIGKILL)  # the scheduler dies at its work
            _out, err = build.communicate(timeout=600)
        finally:
            if build.poll() is None:
                build.kill()
                build.wait()
    assert build.returncode == 2, err
    assert "lost the Dask scheduler while building" in err and "Traceback" not in err
    assert not (store / "current").exists()
    assert not list((store / "generations").glob("*.partial"))  # the unfinished copy went
