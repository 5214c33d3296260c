"""The catalogue's answers precomputed per store version (cdskg.publish.answers): the bytes
served are the live answer's, and no version, nor a store made again at the same path, is
ever served another's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from cdskg.publish import answers, prepare
from cdskg.publish import query_catalogue as catalogue
from cdskg.settings import Settings
from cdskg.store.generations import ReadOnlyStore, StoreLayout
from cdskg.store.query import RESULT_FORMATS
from cdskg.web import create_app
from conftest import add_generation


def _generation(store: Path) -> Path:
    current = StoreLayout(store).current()
    assert current is not None
    return current


def _folder(store: Path) -> Path:
    generation = _generation(store)
    return answers.folder_of(prepare.downloads_root(store) / generation.name, generation)


def _prepare(store: Path, names: list[str] | None = None) -> dict:
    return answers.write_all(_generation(store), _folder(store), time_limit=300, names=names)


@pytest.fixture(scope="module")
def prepared(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("answers") / "store"
    shutil.copytree(built_store, store, symlinks=True)
    done = _prepare(store)
    assert not [n for n, r in done["queries"].items() if "given_up" in r], done
    return store


def _client(store: Path) -> FlaskClient:
    return create_app(Settings(store=store, prepare_downloads=False)).test_client()


def test_every_prepared_answer_is_the_live_answer_byte_for_byte(prepared: Path) -> None:
    st, _version = ReadOnlyStore(prepared).get()
    folder = _folder(prepared)
    compared = 0
    for q in catalogue.load_all():
        for bindings in answers.cases(q):
            for fmt, (results_format, _media) in RESULT_FORMATS.items():
                stored = answers.lookup(folder, q, bindings, fmt)
                assert stored is not None, (q.name, fmt)
                live = q.run_bound(st, bindings).serialize(format=results_format)
                assert stored == live, (q.name, bindings, fmt)
                compared += 1
    assert compared >= 21 * 4


@pytest.mark.parametrize("name", ["indicator-by-locality", "pillar-overview", "ranking"])
def test_the_api_and_the_pages_serve_them_and_say_so(prepared: Path, name: str) -> None:
    client = _client(prepared)
    q = catalogue.load(name)
    st, _version = ReadOnlyStore(prepared).get()
    for fmt, (results_format, _media) in RESULT_FORMATS.items():
        r = client.get(f"/queries/{name}?format={fmt}")
        assert r.status_code == 200 and r.headers["X-Answer"] == "prepared", (fmt, r.data[:200])
        assert r.data == q.run_bound(st, q.bindings({})).serialize(format=results_format)
    pages = {lang: client.get(f"/queries/{name}?lang={lang}&format=html") for lang in ("vi", "en")}
    assert all(p.headers["X-Answer"] == "prepared" for p in pages.values())
    # other parameter values than those prepared: answered live
    other = {"indicator": "eid-activated-accounts", "breakdown": "commune-average"}
    param = next((p.name for p in q.params if p.name != "lang"), "lang")
    value = other.get(param, "en")
    r = client.get(f"/queries/{name}?{param}={value}&format=json")
    assert r.status_code == 200
    assert r.headers["X-Answer"] == ("prepared" if param == "lang" else "live")
    # the same pages drawn from the live answers are the same pages
    hidden = _folder(prepared).with_name("hidden")
    _folder(prepared).rename(hidden)
    try:
        for lang, page in pages.items():
            live = client.get(f"/queries/{name}?lang={lang}&format=html")
            assert live.headers["X-Answer"] == "live"
            assert live.data == page.data
    finally:
        hidden.rename(_folder(prepared))


def test_a_new_version_is_answered_live_until_its_own_answers_are_written(
    store_copy: Path,
) -> None:
    _prepare(store_copy, names=["articles"])
    client = _client(store_copy)
    assert client.get("/queries/articles?format=json").headers["X-Answer"] == "prepared"
    old = client.get("/queries/articles?format=csv").data
    add_generation(store_copy)
    r = client.get("/queries/articles?format=csv")
    assert r.headers["X-Store-Version"] == _generation(store_copy).name
    assert r.headers["X-Answer"] == "live"
    assert r.data == old  # the new quad is not an article: same rows, answered live
    _prepare(store_copy, names=["articles"])
    assert client.get("/queries/articles?format=csv").headers["X-Answer"] == "prepared"


def test_a_store_made_again_with_the_same_generation_name_is_never_served_the_old_answers(
    store_copy: Path,
) -> None:
    _prepare(store_copy, names=["articles"])
    generation = _generation(store_copy)
    before = _folder(store_copy)
    assert answers.lookup(before, catalogue.load("articles"), {}, "json") is not None
    # the store made again at the same path: generation 000001 again, with other contents
    shutil.rmtree(generation)
    st = ox.Store(str(generation))
    st.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))
    st.flush()
    del st
    assert _generation(store_copy).name == generation.name
    assert _folder(store_copy) != before
    r = _client(store_copy).get("/queries/articles?format=json")
    assert r.status_code == 200 and r.headers["X-Answer"] == "live"
    assert b"article" not in r.data.split(b'"bindings"')[1]  # no rows: the new store has none


def test_a_query_past_the_time_limit_is_given_up_and_answered_live(store_copy: Path) -> None:
    done = answers.write_all(
        _generation(store_copy),
        _folder(store_copy),
        time_limit=0,
        names=["disagreements", "articles"],
    )
    assert "given_up" in done["queries"]["disagreements"]
    assert (_folder(store_copy) / answers.DONE).is_file()
    r = _client(store_copy).get("/queries/disagreements?format=json")
    assert r.status_code == 200 and r.headers["X-Answer"] == "live"


def test_the_preparer_writes_them_after_the_search_index(store_copy: Path) -> None:
    generation = _generation(store_copy)
    folder = prepare.downloads_root(store_copy) / generation.name
    prepare.prepare(store_copy, generation.name, folder)
    assert answers.is_done(_folder(store_copy))
    assert prepare._ready(folder, generation.name, store_copy)
    r = _client(store_copy).get("/queries/rollup-2025?format=tsv")
    assert r.headers["X-Answer"] == "prepared"
