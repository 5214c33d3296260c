"""The pages' tables precomputed per store version (cdskg.publish.aggregates): counts, facets
and first rows of every prepared scope are the live queries' answers, the pages drawn from
them are the same pages, and a new version is answered live until its own are written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdskg.publish import aggregates, answers, prepare
from cdskg.settings import Settings
from cdskg.store.generations import ReadOnlyStore, StoreLayout
from cdskg.store.query import run_query
from cdskg.web import create_app
from cdskg.web.pages import facttable as ft
from conftest import add_generation


def _tables_path(store: Path) -> Path:
    generation = StoreLayout(store).current()
    assert generation is not None
    folder = answers.folder_of(prepare.downloads_root(store) / generation.name, generation)
    return folder / aggregates.TABLES_NAME


def _write_tables(store: Path) -> Path:
    path = _tables_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    st, _version = ReadOnlyStore(store).get()
    assert aggregates.compute(st, path) > 0
    return path


@pytest.fixture(scope="module")
def prepared(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("tables") / "store"
    shutil.copytree(built_store, store, symlinks=True)
    _write_tables(store)
    return store


def _values(st: ox.Store, dim: str) -> list[str]:
    q = f"SELECT DISTINCT ?v WHERE {{ ?o <{ft.DIMS[dim].predicate}> ?v }} ORDER BY ?v"
    return [ft.short_of(dim, r["v"]) for r in run_query(st, q)]


def test_every_prepared_scope_answers_as_the_live_queries(prepared: Path) -> None:
    app = create_app(Settings(store=prepared, prepare_downloads=False))
    st, _version = ReadOnlyStore(prepared).get()
    selections = [ft.Selection()]
    for dim in ("pillar", "indicator", "area"):
        selections += [ft.Selection(scope={dim: v}) for v in _values(st, dim)]
    selections.append(ft.Selection(filters={"pillar": "digital-economy"}, size=7))
    selections.append(ft.Selection(scope={"area": "country/VN-none"}))  # no facts at all
    live = [_answers(st, sel) for sel in selections]  # outside a request: from the store
    with app.test_request_context("/"):
        view_st = app.extensions["cdskg.store.view"].get()[0]
        assert ft._prepared(view_st) is not None
        for sel, expected in zip(selections, live, strict=True):
            assert _answers(view_st, sel) == expected, sel
    assert len(selections) > 20


def _answers(st: ox.Store, sel: ft.Selection) -> tuple:
    facets = [ft.facet(st, sel, d) for d in ft.FACETS]
    wide = ft.facet(st, sel, "indicator", limit=100)
    return ft.count(st, sel), facets, wide, ft.page_of(st, sel, "vi")


@pytest.mark.parametrize(
    "path",
    [
        "/id/pillar/digital-government",
        "/id/indicator/online-dossier-rate?lang=en",
        "/id/unit/pre2025/district/918",
        "/facts",
    ],
)
def test_pages_drawn_from_the_tables_are_the_live_pages(prepared: Path, path: str) -> None:
    client = create_app(Settings(store=prepared, prepare_downloads=False)).test_client()
    from_tables = client.get(path)
    assert from_tables.status_code == 200
    path_ = _tables_path(prepared)
    hidden = path_.with_name("hidden.sqlite")
    path_.rename(hidden)
    try:
        live = client.get(path)
    finally:
        hidden.rename(path_)
    assert live.data == from_tables.data


def test_a_new_version_reads_the_store_until_its_own_tables_are_written(
    store_copy: Path,
) -> None:
    _write_tables(store_copy)
    app = create_app(Settings(store=store_copy, prepare_downloads=False))
    add_generation(store_copy)
    with app.test_request_context("/"):
        st = app.extensions["cdskg.store.view"].get()[0]
        assert ft._prepared(st) is None
    _write_tables(store_copy)
    with app.test_request_context("/"):
        st = app.extensions["cdskg.store.view"].get()[0]
        assert ft._prepared(st) is not None
