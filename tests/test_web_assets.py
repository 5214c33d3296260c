"""The query editor's files (YASGUI and its font, from the npm registry) in the package:
built by the package build, and said to be missing when a server lacks them (issue 21,
point 15)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cdskg.settings import Settings
from cdskg.web import assets, create_app

REPO = Path(__file__).resolve().parents[1]
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_a_server_without_the_editor_files_says_so(built_store, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(assets, "VENDOR", tmp_path / "vendor")
    with caplog.at_level(logging.WARNING, logger="cdskg.web"):
        app = create_app(Settings(store=built_store, prepare_downloads=False))
    assert any("yasgui.min.js" in r.getMessage() for r in caplog.records)
    page = app.test_client().get("/sparql", headers=HTML).get_data(as_text=True)
    assert 'id="editor-missing"' in page and "make web-assets" in page
    assert "vendor/yasgui.min.js" not in page  # no script that would fail
    assert 'id="plain-query"' in page  # queries can still be sent


def test_the_installed_package_has_the_editor_files():
    assert assets.missing() == [], "run `make web-assets`"


@pytest.mark.e2e
def test_a_wheel_built_from_the_tree_carries_the_editor_files(tmp_path):
    """`pip wheel` of a source tree without static/vendor/ (as a fresh clone is) builds
    them: setup.py runs assets.py (npm ci when node_modules/ lacks them)."""
    if not (REPO / "node_modules").is_dir() and shutil.which("npm") is None:
        pytest.skip("neither node_modules/ nor npm: `make web-assets` installs them")
    tree = tmp_path / "tree"
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        if (REPO / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, tree / name)
    assert not (tree / "src/cdskg/web/static/vendor").exists()
    if (REPO / "node_modules").is_dir():
        (tree / "node_modules").symlink_to(REPO / "node_modules")
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(tree)],
        check=True,
        timeout=600,
    )
    (wheel,) = out.glob("cdskg-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    vendor = "cdskg/web/static/vendor/"
    for name in assets.FILES:
        assert vendor + name in names
    assert vendor + "jetbrains-mono/jetbrains-mono-vietnamese-400-normal.woff2" in names
