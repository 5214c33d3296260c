"""Compression and caching (issue 21 point 12) and the downloads page and facts dump (point
13), through the app's test client on the session's real built store; the download files
are written by the real preparer process."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from cdskg.rdf.iri import META_GRAPH, REFERENCE_GRAPH
from cdskg.settings import Settings
from cdskg.store.generations import open_read_only
from cdskg.web import create_app

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[FlaskClient]:
    app = create_app(Settings(store=built_store, prepare_downloads=False, downloads_wait=300))
    with app.test_client() as c:
        yield c


def test_pages_are_gzipped_for_clients_that_take_it(client: FlaskClient) -> None:
    for path in ("/", "/search?q=binh+thuy", "/queries", "/id/unit/pre2025/district/918"):
        plain = client.get(path, headers=HTML)
        packed = client.get(path, headers={**HTML, **GZIP})
        assert plain.status_code == packed.status_code == 200, path
        assert "Content-Encoding" not in plain.headers
        assert packed.headers["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data) == plain.data
        assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    refused = client.get("/", headers={**HTML, "Accept-Encoding": "gzip;q=0, br"})
    assert "Content-Encoding" not in refused.headers
    tiny = client.get("/health", headers=GZIP)  # under MIN_BYTES: not worth it
    assert "Content-Encoding" not in tiny.headers and tiny.get_json()["status"] == "ok"


def _get(client: FlaskClient, path: str, headers: dict[str, str] | None = None):
    """A response read whole and closed (files are sent from an open file)."""
    r = client.get(path, headers=headers or {})
    r.get_data()
    r.close()
    return r


def _static_links(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def test_static_files_have_versioned_names_cached_for_a_year(client: FlaskClient) -> None:
    links = _static_links(client.get("/sparql", headers=HTML).get_data(as_text=True))
    links += _static_links(client.get("/", headers=HTML).get_data(as_text=True))
    names = {link.rsplit("/", 1)[1] for link in links}
    assert any(re.fullmatch(r"cdskg\.[0-9a-f]{10}\.css", n) for n in names), names
    assert any(re.fullmatch(r"yasgui\.min\.[0-9a-f]{10}\.js", n) for n in names), names
    for link in set(links):
        r = client.get(link)
        assert r.status_code == 200, link
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable", link
    js = next(link for link in links if "yasgui.min." in link and link.endswith(".js"))
    raw = client.get(js)
    packed = client.get(js, headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == raw.data and len(packed.data) < len(raw.data) / 2
    again = client.get(js, headers={**GZIP, "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304
    # the plain name, and a name from before a change of the file, still answer: not cached
    plain = client.get("/static/vendor/yasgui.min.js")
    stale = client.get("/static/vendor/yasgui.min.0000000000.js")
    assert plain.data == stale.data == raw.data
    assert plain.headers["Cache-Control"] == stale.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/no-such-file.css").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


def test_downloads_are_sent_gzipped_from_their_copy(client: FlaskClient) -> None:
    plain = _get(client, "/downloads/cdskg.nq")
    packed = _get(client, "/downloads/cdskg.nq", GZIP)
    assert plain.status_code == packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 5
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = _get(
        client, "/downloads/cdskg.nq", headers={**GZIP, "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304


def test_the_facts_dump_holds_the_article_graphs_alone(
    client: FlaskClient, built_store: Path
) -> None:
    body = _get(client, "/downloads/cdskg-facts.nq").data
    quads = list(ox.parse(body, format=ox.RdfFormat.N_QUADS))
    st, _ = open_read_only(built_store)
    articles = {g.value for g in st.named_graphs() if g.value not in (META_GRAPH, REFERENCE_GRAPH)}
    assert {q.graph_name.value for q in quads} == articles
    expected = sum(
        len(list(st.quads_for_pattern(None, None, None, ox.NamedNode(g)))) for g in articles
    )
    assert len(quads) == expected
    whole = _get(client, "/downloads/cdskg.nq").data
    assert len(body) < len(whole) / 5  # the whole graph is mostly reference data


def test_the_downloads_page_says_what_each_file_holds(client: FlaskClient) -> None:
    page = _get(client, "/downloads", HTML).get_data(as_text=True)
    rows = re.findall(r'<tr id="file-([^"]+)">.*?<td class="holds">(.*?)</td>', page, re.S)
    names = {name for name, _ in rows}
    assert {"cdskg.ttl", "cdskg.nq", "cdskg.csv", "cdskg-facts.nq"} <= names
    assert all(len(text.strip()) > 20 for _, text in rows)
    held = dict(rows)
    assert "Chỉ các dữ kiện" in held["cdskg-facts.nq"]
    assert "đơn vị hành chính" in held["cdskg.nq"]
    share = re.search(r'<p id="facts-share">Trong (\d+) bộ bốn .*?, (\d+) \(([\d.]+)%\)', page)
    assert share is not None
    whole, facts, percent = int(share[1]), int(share[2]), float(share[3])
    assert facts < whole and abs(100 * facts / whole - percent) < 0.1
    en = _get(client, "/downloads?lang=en", HTML).get_data(as_text=True)
    assert "The facts alone" in en and "administrative units" in en


def test_a_gzipped_page_is_revalidated_by_its_own_etag(client: FlaskClient) -> None:
    first = client.get("/vocabulary", headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["ETag"].endswith('-gzip"')
    again = client.get("/vocabulary", headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    plain = client.get("/vocabulary", headers={"If-None-Match": first.headers["ETag"]})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
