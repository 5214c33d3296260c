"""Search (issue 21 point 9, issue 23): names, indicator labels and evidence sentences from
the store version's index, accent-insensitive, ranked, highlighted, as a page and as JSON.
Through the app's test client on the session's real built store; the index is written by
the real preparer process, as the server has it written."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from cdskg.publish import prepare, search_index
from cdskg.settings import Settings
from cdskg.store.generations import StoreLayout, open_read_only
from cdskg.text.fold import fold
from cdskg.web import create_app

BINH_THUY = "https://w3id.org/cdskg/id/unit/pre2025/district/918"
JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[FlaskClient]:
    app = create_app(Settings(store=built_store, prepare_downloads=False, downloads_wait=120))
    with app.test_client() as c:
        yield c


def _json(client: FlaskClient, q: str, **args: str) -> dict:
    r = client.get("/search", query_string={"q": q, **args}, headers=JSON)
    assert r.status_code == 200, r.text
    return r.get_json()


def test_the_index_is_written_once_per_version_beside_its_files(
    client: FlaskClient, built_store: Path
) -> None:
    _json(client, "binh thuy")
    version = StoreLayout(built_store).current_id()
    assert version is not None
    path = prepare.downloads_root(built_store) / version / search_index.INDEX_NAME
    assert search_index.is_ready(path)
    written = path.stat().st_mtime_ns
    _json(client, "dich vu cong")
    assert path.stat().st_mtime_ns == written  # read, not rebuilt, by the next search


def test_words_without_accents_find_what_the_accented_words_find(client: FlaskClient) -> None:
    accented = _json(client, "Bình Thủy dịch vụ công")
    plain = _json(client, "Binh Thuy dich vu cong")
    assert accented["total"] > 0
    assert accented["results"] == plain["results"]
    assert plain["words"] == ["binh", "thuy", "dich", "vu", "cong"]


def test_evidence_sentences_are_searched_with_their_place(
    client: FlaskClient, built_store: Path
) -> None:
    body = _json(client, "Bình Thủy dịch vụ công", limit="100")
    sentences = [r for r in body["results"] if r["kind"] == "sentence"]
    assert sentences
    st, _ = open_read_only(built_store)
    for hit in sentences:
        assert BINH_THUY in hit["areas"]
        assert "dich vu cong" in fold(hit["text"])
        # the text is the evidence sentence as stored, and the hit links to its observation
        exact = ox.NamedNode("http://www.w3.org/ns/oa#exact")
        sel = ox.NamedNode("http://www.w3.org/ns/oa#hasSelector")
        texts = {
            q.object.value
            for s in st.quads_for_pattern(ox.NamedNode(hit["evidence"]), sel, None)
            for q in st.quads_for_pattern(s.object, exact, None)
        }
        assert hit["text"] in texts
        assert hit["href"] == hit["iri"].replace("https://w3id.org/cdskg", "")
        assert hit["iri"] in hit["observations"]


def _is_query_word(text: str) -> bool:
    """A word of the query "dich vu cong" as marked: the last word is matched as a prefix."""
    word = fold(text)
    return word in ("dich", "vu") or word.startswith("cong")


def test_highlights_mark_the_words_of_the_query(client: FlaskClient) -> None:
    body = _json(client, "dich vu cong")
    assert body["results"]
    for hit in body["results"]:
        assert hit["highlights"], hit
        assert all(_is_query_word(hit["text"][a:b]) for a, b in hit["highlights"])
    page = client.get("/search", query_string={"q": "dich vu cong"}, headers=HTML).text
    marks = re.findall(r"<mark>(.*?)</mark>", page)
    assert marks and all(_is_query_word(html.unescape(m)) for m in marks)


def test_names_rank_above_sentences_and_places_with_facts_first(client: FlaskClient) -> None:
    body = _json(client, "binh thuy")
    first = body["results"][0]
    assert first["iri"] == BINH_THUY and first["kind"] == "name" and first["facts"] > 0
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_indicator_labels_are_searched(client: FlaskClient) -> None:
    body = _json(client, "ty le ho so truc tuyen")
    first = body["results"][0]
    assert first["kind"] == "indicator"
    assert first["iri"] == "https://w3id.org/cdskg/id/indicator/online-dossier-rate"


def test_paging_walks_through_every_hit_once(client: FlaskClient) -> None:
    whole = _json(client, "thong nhat", limit="100")
    assert whole["total"] == len(whole["results"]) > 5
    paged = []
    for offset in range(0, whole["total"], 5):
        paged += _json(client, "thong nhat", limit="5", offset=str(offset))["results"]
    assert [r["iri"] for r in paged] == [r["iri"] for r in whole["results"]]
    page = client.get("/search", query_string={"q": "thong nhat", "limit": "5"}, headers=HTML)
    assert 'id="search-next" href="/search?q=thong+nhat&amp;offset=5&amp;limit=5"' in page.text


def test_format_json_and_errors(client: FlaskClient) -> None:
    r = client.get("/search", query_string={"q": "binh thuy", "format": "json"}, headers=HTML)
    assert r.mimetype == "application/json" and r.get_json()["total"] > 0
    r = client.get("/search", query_string={"q": "binh thuy", "limit": "many"}, headers=JSON)
    assert r.status_code == 400 and "limit='many'" in r.get_json()["detail"]
    r = client.get("/search", query_string={"q": "zzzqqq"}, headers=JSON)
    assert r.get_json()["total"] == 0 and r.get_json()["results"] == []
    page = client.get("/search", query_string={"q": "zzzqqq"}, headers=HTML).text
    assert 'id="search-none"' in page


def test_query_and_text_are_escaped(client: FlaskClient) -> None:
    page = client.get("/search", query_string={"q": "<b>binh</b> thuy"}, headers=HTML).text
    assert "<b>binh</b>" not in page and "&lt;b&gt;binh&lt;/b&gt; thuy" in page
    for hit in re.findall(r'<blockquote class="evidence"><a [^>]*>(.*?)</a>', page, re.S):
        assert "<" not in re.sub(r"</?mark>", "", hit)  # marks are the only markup


def test_highlight_spans_carry_over_to_the_accented_text() -> None:
    text = "Đến nay, quận Bình Thủy có 100% dịch vụ công trực tuyến."
    spans = search_index.highlight(text, ["binh", "thuy", "dich", "vu", "cong"])
    assert [text[a:b] for a, b in spans] == ["Bình", "Thủy", "dịch", "vụ", "công"]
    assert [text[a:b] for a, b in search_index.highlight(text, [], prefix="tru")] == ["trực"]
