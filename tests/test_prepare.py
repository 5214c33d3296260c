"""Download files written by a process of their own, and the 503 while they are written."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest
import requests

from cdskg.publish import datafiles, prepare
from cdskg.store.generations import StoreLayout
from conftest import add_generation, serving


def _version(store: Path) -> str:
    current = StoreLayout(store).current()
    assert current is not None
    return current.name


def test_ensure_starts_a_preparer_and_returns_the_manifest(
    store_copy: Path, tmp_path: Path
) -> None:
    version = _version(store_copy)
    folder = tmp_path / "downloads" / version
    found = prepare.ensure(store_copy, version, folder, wait=300)
    assert isinstance(found, dict), found
    assert found["version"] == version
    assert "cdskg.ttl" in found["files"] and "cdskg.csv" in found["files"]
    for name, info in found["files"].items():
        assert (folder / name).stat().st_size == info["bytes"]
    # ready now: the next call answers from the manifest without starting anything
    assert datafiles.ready_manifest(folder, version) == found
    assert prepare.ensure(store_copy, version, folder, wait=0) == found


def test_a_running_preparer_is_waited_for_not_started_twice(
    store_copy: Path, tmp_path: Path
) -> None:
    version = _version(store_copy)
    folder = tmp_path / "downloads" / version
    folder.mkdir(parents=True)
    with (folder / ".lock").open("a") as held:  # as a preparer at work holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        found = prepare.ensure(store_copy, version, folder, wait=0.3)
        assert isinstance(found, prepare.Pending) and found.failed is None
        assert not (folder / prepare.LOG_NAME).exists()  # no second preparer was started
        fcntl.flock(held, fcntl.LOCK_UN)
    found = prepare.ensure(store_copy, version, folder, wait=300)
    assert isinstance(found, dict)


def test_a_failing_preparer_is_reported_then_retried(store_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "downloads" / "999999"
    found = prepare.ensure(store_copy, "999999", folder, wait=120)  # no such generation
    assert isinstance(found, prepare.Pending)
    assert found.failed and "999999" in found.failed
    assert "Traceback" in (folder / prepare.LOG_NAME).read_text()
    # reported, not retried, for a while; then tried again
    assert prepare.ensure(store_copy, "999999", folder, wait=0).failed == found.failed
    old = time.time() - prepare.RETRY_AFTER_FAILURE - 1
    os.utime(folder / prepare.FAILED_NAME, (old, old))
    assert prepare._failure(folder) is None


def test_server_answers_503_with_retry_after_then_the_file(
    store_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDSKG_DOWNLOADS_WAIT", "0")
    with serving(store_copy, tmp_path / "serve.log") as base:
        first = requests.get(base + "/downloads/cdskg.nq", timeout=60)
        # with no wait, the answer comes before the preparer (a new Python process) is done
        assert first.status_code == 503, first.text[:300]
        assert first.headers["Retry-After"] == "30"
        body = first.json()
        assert body["error"] == "downloads being prepared"
        assert "store version" in body["detail"] and "/" not in body["detail"]  # no paths
        deadline = time.monotonic() + 300
        while True:
            r = requests.get(base + "/downloads/cdskg.nq", timeout=60)
            if r.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert r.status_code == 200, r.text[:300]
        assert r.content.count(b"\n") > 100
        catalog = requests.get(base + "/catalog", timeout=60)
        assert catalog.status_code == 200
        assert "cdskg.nq" in catalog.text


def test_server_writes_the_downloads_of_each_version_unasked(
    store_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With CDSKG_PREPARE_DOWNLOADS on (the default), `cdskg serve` writes the files of the
    version it serves, and of each version a build makes current, before any request."""
    monkeypatch.setenv("CDSKG_PREPARE_DOWNLOADS", "1")
    root = prepare.downloads_root(store_copy)
    first = _version(store_copy)
    with serving(store_copy, tmp_path / "serve.log") as base:
        _wait_ready(root / first, first)
        add_generation(store_copy)
        second = _version(store_copy)
        assert second != first
        manifest = _wait_ready(root / second, second)
        # the server hands out what was written: no 503, the same files
        r = requests.get(base + "/downloads/cdskg.nq", timeout=60)
        assert r.status_code == 200 and b"http://example.org/new" in r.content
        assert "cdskg.nq" in manifest["files"]


def _wait_ready(folder: Path, version: str) -> dict:
    deadline = time.monotonic() + 300
    while (manifest := datafiles.ready_manifest(folder, version)) is None:
        assert time.monotonic() < deadline, f"the files of {version} were never written"
        time.sleep(0.2)
    return manifest
