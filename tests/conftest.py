"""Shared fixtures: the corpus, and a real on-disk store built from it once per session.

Tests come in three kinds: unit tests (plain functions), HTTP tests (the Flask app through
``create_app(...).test_client()``, or a WSGI server in-process) and end-to-end tests, which
start real processes: `cdskg serve`, the `cdskg` command line, Chromium. The last kind is
marked ``e2e`` here, from what a test (or a fixture it uses) calls, so that
``pytest -m "not e2e"`` is the fast loop and no test has to remember its mark.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest
import requests

from cdskg.serve.lifetime import die_with_parent
from cdskg.store.generations import next_generation

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "articles"
CDSKG = [sys.executable, "-m", "cdskg.cli"]


#: What makes a test end-to-end: it starts a real process (the CLI, a server, a browser) or
#: uses a fixture that keeps one running for it. The session's built store is made by the
#: CLI too, but once, as shared set-up: tests that only read it are not end-to-end.
E2E_TEST = re.compile(r"\b(?:serving|run_cli|Popen|sync_playwright|wait_for)\(|/usr/bin/chromium")
E2E_FIXTURE = re.compile(r"\b(?:serving|Popen|sync_playwright|wait_for)\(|/usr/bin/chromium")


def _calls(fn: object, pattern: re.Pattern[str]) -> bool:
    try:
        return bool(pattern.search(inspect.getsource(fn)))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fn = getattr(item, "function", None)
        if fn is None:  # doctests
            continue
        closure = item._fixtureinfo.name2fixturedefs  # type: ignore[attr-defined]
        fixtures = [defs[-1].func for defs in closure.values() if defs]
        if _calls(fn, E2E_TEST) or any(_calls(f, E2E_FIXTURE) for f in fixtures):
            item.add_marker(pytest.mark.e2e)


def load_benchmark(name: str) -> ModuleType:
    """``benchmarks/NAME.py`` as a module (benchmarks are scripts, not a package), once."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_cli(*args: str, check: int | None = None, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run the real `cdskg` command line in a subprocess."""
    proc = subprocess.run(
        [*CDSKG, *args], capture_output=True, text=True, timeout=600, cwd=REPO, **kwargs
    )
    if check is not None:
        assert proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
    return proc


@pytest.fixture(scope="session", autouse=True)
def _temporary_files_stay_in_pytest_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Temporary files of the code under test (download folders, spooled results) and of the
    servers and builds it starts go under pytest's own temporary folder, which pytest prunes,
    not into the system's: each test store otherwise left a download folder in /tmp."""
    folder = tmp_path_factory.mktemp("tmp")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TMPDIR", str(folder))
        mp.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
        yield


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"{CORPUS}: the shared corpus is missing; tests need ../shared beside the repo")
    return CORPUS


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """The five articles built into a store by the real CLI (session-wide, read-only use)."""
    store = tmp_path_factory.mktemp("store") / "store"
    report = store.parent / "report.json"
    proc = run_cli("build", str(corpus), "--store", str(store), "--report", str(report))
    assert proc.returncode in (0, 1), proc.stderr
    return store


@pytest.fixture()
def store_copy(built_store: Path, tmp_path: Path) -> Path:
    """A private copy of the built store that a test may rebuild or break."""
    target = tmp_path / "store"
    shutil.copytree(built_store, target, symlinks=True)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen[str], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_text(errors="replace")[-2000:]
            raise AssertionError(f"server exited early ({proc.returncode}): {text}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"server did not answer at {url} within {timeout}s")


@contextlib.contextmanager
def serving(store: Path, log: Path, *extra: str) -> Iterator[str]:
    """`cdskg serve` as a real subprocess on a free port; yields its base URL. It writes no
    download files until asked (CDSKG_PREPARE_DOWNLOADS=0) unless the test sets that."""
    port = free_port()
    env = {"CDSKG_PREPARE_DOWNLOADS": "0", **os.environ, "CDSKG_WORKERS": "2"}
    with log.open("w") as log_file:
        proc = subprocess.Popen(
            [*CDSKG, "serve", "--store", str(store), "--port", str(port), *extra],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            text=True,
            # if pytest itself is killed, the server stops too (SIGTERM: gracefully)
            preexec_fn=lambda: die_with_parent(signal.SIGTERM),
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/health", proc, log)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(built_store, tmp_path_factory.mktemp("logs") / "serve.log") as base:
        yield base


def add_generation(store: Path) -> None:
    """A new generation of ``store`` made current, with one more quad:
    <http://example.org/new> <http://example.org/p> "x" in graph <http://example.org/g>."""
    with next_generation(store) as st:
        st.add(
            ox.Quad(
                ox.NamedNode("http://example.org/new"),
                ox.NamedNode("http://example.org/p"),
                ox.Literal("x"),
                ox.NamedNode("http://example.org/g"),
            )
        )
