"""Pages for people and dereferenceable IRIs, over HTTP against the real server."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from cdskg.rdf.namespaces import RDF, SCHEMA
from cdskg.store.generations import next_generation
from cdskg.web import urls
from cdskg.web.pages import compact, with_prologue
from conftest import serving

ID = "https://w3id.org/cdskg/id/"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
OBS = "obs/000-41fe44b677ccd56a/1552-eid-activated-accounts"


def get(server: str, path: str, **kw) -> requests.Response:
    return requests.get(server + path, timeout=60, **kw)


def test_home_counts_and_lang(server):
    r = get(server, "/", headers=HTML)
    assert r.status_code == 200
    assert '<html lang="vi">' in r.text
    assert 'id="n-articles">5<' in r.text
    assert "chính quyền số" in r.text
    r = get(server, "/?lang=en", headers=HTML)
    assert '<html lang="en">' in r.text and "digital government" in r.text
    assert "lang=en" in r.headers.get("Set-Cookie", "")
    r = get(server, "/", headers=HTML, cookies={"lang": "en"})
    assert '<html lang="en">' in r.text


def test_home_counts_follow_a_new_store_version(store_copy: Path, tmp_path: Path) -> None:
    """The counts are computed once per store version, and never served stale after a build
    (a new generation is seen at the next request: see test_store_switch.py). The page lists
    50 articles and links to the catalogue page that lists them all."""
    news = [
        ox.Quad(
            ox.NamedNode(f"http://example.org/article/{i}"),
            ox.NamedNode(RDF + "type"),
            ox.NamedNode(SCHEMA + "NewsArticle"),
            ox.NamedNode("http://example.org/g"),
        )
        for i in range(46)
    ]
    with serving(store_copy, tmp_path / "serve.log") as base:
        for _ in range(4):  # both workers, each twice: computed, then from memory
            page = get(base, "/", headers=HTML).text
            assert 'id="n-articles">5<' in page
            assert _listed_articles(page) == 5
        with next_generation(store_copy) as st:
            st.extend(news)
        for _ in range(4):
            page = get(base, "/", headers=HTML).text
            assert 'id="n-articles">51<' in page
            assert _listed_articles(page) == 50
            assert 'id="all-articles" href="/queries/articles"' in page


def _listed_articles(page: str) -> int:
    return page.split('<ul class="articles">', 1)[1].split("</ul>", 1)[0].count("<li>")


@pytest.mark.parametrize("q", ["binh thuy", "Bình Thủy", "BINH THUY", "bình thuỷ"])
def test_search_is_accent_insensitive(server, q):
    r = get(server, "/search", params={"q": q}, headers=HTML)
    assert r.status_code == 200
    first = r.text.split('id="search-results"', 1)[1]
    assert first.index("/id/unit/pre2025/district/918") < first.index("</li>")


def test_search_escapes_input(server):
    r = get(server, "/search", params={"q": "<script>alert(1)</script>"}, headers=HTML)
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;" in r.text


@pytest.mark.parametrize(
    "path",
    [
        "unit/pre2025/district/918",
        OBS,
        "evidence/000-41fe44b677ccd56a/1528-1615",
        "article/000-41fe44b677ccd56a",
        "indicator/online-dossier-rate",
        "pillar/digital-government",
        "period/2023-01-01--2023-12-31",
        "unit/2025/province/92",
        "dataset/observations",
    ],
)
def test_every_minted_iri_dereferences(server, path):
    r = get(server, "/id/" + path, headers=HTML)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"].startswith("text/html")
    assert f"<code>{ID}{path}</code>" in r.text
    assert '<link rel="alternate" type="text/turtle"' in r.text
    assert 'rel="alternate"; type="text/turtle"' in r.headers["Link"]
    for accept, fmt in [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ]:
        r = get(server, "/id/" + path, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(accept)
        triples = list(ox.parse(r.content, format=fmt))
        subjects = {t.subject.value for t in triples}
        assert ID + path in subjects


def test_rdf_keeps_canonical_iris(server):
    r = get(server, "/id/" + OBS, params={"format": "nt"})
    triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
    by_p = {t.predicate.value: t.object for t in triples if t.subject.value == ID + OBS}
    assert by_p["http://purl.org/linked-data/sdmx/2009/measure#obsValue"].value == "68350"
    assert by_p["http://purl.org/linked-data/sdmx/2009/dimension#refArea"] == ox.NamedNode(
        ID + "unit/pre2025/district/918"
    )
    assert not any("127.0.0.1" in str(t) for t in triples)


def test_unknown_iri_and_bad_accept(server):
    assert get(server, "/id/unit/pre2025/district/999999", headers=HTML).status_code == 404
    r = get(server, "/id/" + OBS, headers={"Accept": "image/png"})
    assert r.status_code == 406 and r.json()["error"] == "not acceptable"


def test_observation_page_shows_evidence_sentence(server):
    r = get(server, "/id/" + OBS, headers=HTML)
    sentence = (
        "Đồng thời, đã kích hoạt 68.350 tài khoản định danh điện tử, đạt 86,79% so với chỉ tiêu."
    )
    assert f'<mark id="evidence-sentence">{sentence}</mark>' in r.text
    assert "/id/article/000-41fe44b677ccd56a#ev-1528" in r.text


def test_article_page_marks_facts_and_escapes_text(server, corpus):
    r = get(server, "/id/article/000-41fe44b677ccd56a", headers=HTML)
    assert '<mark id="ev-1528" class="fact"' in r.text
    body = r.text.split('id="article-text">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in body.lower()
    assert "<" not in body.replace("<mark", "").replace("</mark>", "").replace(
        '<a class="fact-ref"', ""
    ).replace("</a>", "")


def test_locality_page(server):
    r = get(server, "/id/unit/pre2025/district/918", headers=HTML)
    assert 'id="parent"' in r.text and "/id/unit/pre2025/province/92" in r.text
    assert 'id="successor"' in r.text and "/id/unit/2025/province/92" in r.text
    assert 'id="pillar-chart"' in r.text and 'id="rate-chart"' in r.text
    assert "90,13%" in r.text


def test_indicator_and_pillar_pages(server):
    r = get(server, "/id/indicator/online-dossier-rate", headers=HTML)
    assert 'id="indicator-chart"' in r.text
    for place in ("Quận Bình Thủy", "Thành phố Bến Cát", "Tỉnh Nam Định"):
        assert place in r.text
    r = get(server, "/id/pillar/digital-society", headers=HTML)
    assert "số thuê bao internet" in r.text


def test_person_and_document_pages(server):
    r = get(server, "/id/person/nguyen-trong-an", headers=HTML)
    if r.status_code == 404:
        pytest.skip("people are not mapped into the graph in this build")
    assert "Nguyễn Trọng Ân" in r.text
    assert "/id/article/001-c41d1d107520682b" in r.text
    r = get(server, "/id/doc/39-ctr-tu", headers=HTML)
    assert r.status_code == 200 and "39-CTr/TU" in r.text


def test_ontology_page(server):
    r = get(server, "/ontology", headers=HTML)
    assert r.status_code == 200
    assert 'id="Pillar"' in r.text and "trụ cột" in r.text.lower()
    assert 'id="AdministrativeUnit"' in r.text
    assert "online-dossier-rate" in r.text  # concepts of the thesaurus
    r = get(server, "/ontology", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and "cdskg:Pillar" in r.text


def test_catalogue_pages(server):
    r = get(server, "/queries", headers=HTML)
    assert r.status_code == 200 and "/queries/ranking" in r.text
    r = get(server, "/queries/locality-profile", headers=HTML, params={"lang": "en"})
    assert "digital government" in r.text
    assert 'rel="alternate"; type="text/csv"' in r.headers["Link"]


def test_sparql_page_serves_yasgui_locally(server):
    r = get(server, "/sparql", headers=HTML)
    assert r.status_code == 200
    assert re.search(r"/static/vendor/yasgui\.min\.[0-9a-f]{10}\.js", r.text)  # versioned
    # no script or style from elsewhere (JSON escapes such as \u1ecdn are not a CDN)
    assert not re.search(r'(src|href)="(https?:)?//', r.text)
    assert "cdn." not in r.text.lower() and "unpkg" not in r.text
    js = get(server, "/static/vendor/yasgui.min.js")
    assert js.status_code == 200 and len(js.content) > 100_000


def test_url_builder():
    assert urls.resource(ID + "unit/2025/province/92") == "/id/unit/2025/province/92"
    assert urls.resource(ID + OBS, "ttl") == f"/id/{OBS}?format=ttl"
    assert urls.resource("https://w3id.org/cdskg/ontology#Pillar") == "/ontology#Pillar"
    assert compact("https://w3id.org/cdskg/ontology#Pillar") == "cdskg:Pillar"
    text = with_prologue("# title@vi: x\nSELECT * { ?o a qb:Observation }")
    assert text.splitlines()[1] == "PREFIX qb: <http://purl.org/linked-data/cube#>"


def test_a_resource_page_lists_200_incoming_links_and_counts_the_rest(
    store_copy: Path, tmp_path: Path
) -> None:
    target = ox.NamedNode(ID + "test/target")
    graph = ox.NamedNode("http://example.org/g")
    links = [
        ox.Quad(ox.NamedNode(f"{ID}test/s{i:03d}"), ox.NamedNode(ID + "test/p"), target, graph)
        for i in range(250)
    ]
    with next_generation(store_copy) as st:
        st.extend(links)
    with serving(store_copy, tmp_path / "serve.log") as base:
        page = get(base, "/id/test/target", headers=HTML).text
    listed = page.split('<table class="props">')[-1].split("</table>", 1)[0]
    assert listed.count("<tr>") == 200
    assert "/id/test/s000" in listed and "/id/test/s199" in listed
    assert "/id/test/s200" not in listed
    assert "… +50 " in page


def _search_box_value(page: str) -> str:
    box = page.split('id="search-box"', 1)[1].split(">", 1)[0]
    return box.split('value="', 1)[1].split('"', 1)[0]


def test_catalogue_pages_leave_the_search_box_empty(server):
    """Issue 21, point 3: the query object was passed as ``q``, which the search box shows."""
    from cdskg.publish import query_catalogue

    for q in query_catalogue.load_all():
        page = get(server, f"/queries/{q.name}", headers=HTML).text
        assert _search_box_value(page) == "", q.name
    page = get(server, "/search", params={"q": "binh thuy"}, headers=HTML).text
    assert _search_box_value(page) == "binh thuy"


def test_vocabulary_lists_the_stores_classes_and_properties(server):
    """The editor's autocompletion source (issue 21, point 5): ontology and data terms."""
    r = get(server, "/vocabulary")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert "https://w3id.org/cdskg/ontology#Pillar" in body["classes"]  # declared
    assert "http://purl.org/linked-data/cube#Observation" in body["classes"]  # used
    assert "https://w3id.org/cdskg/ontology#statedAs" in body["properties"]
    assert "http://purl.org/linked-data/sdmx/2009/dimension#refArea" in body["properties"]
    assert body["prefixes"]["sdmx-dimension"] == "http://purl.org/linked-data/sdmx/2009/dimension#"
    again = get(server, "/vocabulary", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


JSON = {"Accept": "application/json"}


def test_browsers_get_an_error_page_for_an_unknown_iri(server):
    """Issue 21, point 8: an HTML page in the site's language saying what is missing and
    where to go; clients asking for JSON (or for anything) keep the JSON error shape."""
    path = "/id/unit/pre2025/district/999999"
    r = get(server, path, headers=HTML)
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
    assert '<html lang="vi">' in r.text and "Không tìm thấy" in r.text
    assert f"{ID}unit/pre2025/district/999999" in r.text
    assert 'href="/search?q=999999"' in r.text and 'href="/queries"' in r.text
    r = get(server, path, headers=HTML, params={"lang": "en"})
    assert r.status_code == 404 and "Not found" in r.text and "Nothing in the graph" in r.text
    for headers in (JSON, {}):
        r = get(server, path, headers=headers)
        assert r.status_code == 404
        assert r.json() == {
            "status": 404,
            "error": "not found",
            "detail": f"nothing is known about <{ID}unit/pre2025/district/999999>",
        }


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/no-such-page", 404),  # a mistyped address
        ("/downloads/no-such-file.ttl", 404),
        ("/search?q=binh+thuy&limit=1000", 400),  # a bad parameter
        ("/search?q=binh+thuy&offset=x", 400),
    ],
)
def test_browsers_get_an_error_page_wherever_the_error_is(server, path, status):
    """Issue 21, point 8, beyond /id/ and the catalogue: whatever view or handler fails, a
    browser reads a page in the site's language with where to go; a client asking for JSON
    (by Accept or format=json) keeps the JSON error shape, and the protocols keep it."""
    r = get(server, path, headers=HTML)
    assert r.status_code == status and r.headers["Content-Type"].startswith("text/html")
    assert '<html lang="vi">' in r.text and 'id="error-links"' in r.text
    assert 'href="/"' in r.text.split('id="error-links"', 1)[1]
    assert "Content-Security-Policy" in r.headers
    en = get(server, path, headers=HTML, params={"lang": "en"})
    assert en.status_code == status and '<html lang="en">' in en.text
    assert "Where to go" in en.text
    for headers, extra in ((JSON, {}), ({}, {}), (HTML, {"format": "json"})):
        r = get(server, path, headers=headers, params=extra)
        assert r.status_code == status and r.json()["status"] == status, (headers, extra)
    r = get(server, "/sparql", params={"query": "SELEKT"}, headers=HTML)
    assert r.status_code == 400 and r.json()["error"] == "bad query"


def _rows(r: requests.Response) -> list[dict]:
    assert r.status_code == 200, r.text[:300]
    return r.json()["results"]["bindings"]


@pytest.mark.parametrize(
    "value",
    [
        "online-dossier-rate",  # the notation, as in the IRI
        "tỷ lệ hồ sơ trực tuyến",  # the Vietnamese label
        "ty le ho so truc tuyen",  # without accents
        "cdsid:indicator/online-dossier-rate",  # a prefixed name
    ],
)
def test_catalogue_iri_parameters_take_a_notation_or_a_label(server, value):
    by_iri = _rows(
        get(server, "/queries/ranking", params={"indicator": ID + "indicator/online-dossier-rate"})
    )
    assert by_iri
    assert _rows(get(server, "/queries/ranking", params={"indicator": value})) == by_iri
    page = get(server, "/queries/ranking", params={"indicator": value}, headers=HTML)
    assert page.status_code == 200 and page.text.count('class="bar-row"') == len(by_iri)


@pytest.mark.parametrize("value", ["918", "Bình Thủy", "binh thuy", "Quận Bình Thủy"])
def test_catalogue_area_by_code_or_name(server, value):
    rows = _rows(get(server, "/queries/locality-profile", params={"area": value}))
    assert rows and {r["area"]["value"] for r in rows} == {ID + "unit/pre2025/district/918"}


def test_catalogue_parameter_errors(server):
    # a name several units share: the page lists them (told apart by their parent)
    r = get(server, "/queries/locality-profile", params={"area": "An Thới"}, headers=HTML)
    assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/html")
    assert "nhiều đơn vị hành chính" in r.text
    picks = r.text.split('id="error-candidates"', 1)[1].split("</ul>", 1)[0]
    assert picks.count("<li>") >= 2 and "/queries/locality-profile?area=https%3A" in picks
    r = get(server, "/queries/locality-profile", params={"area": "An Thới"}, headers=JSON)
    assert r.status_code == 400 and r.json()["error"] == "bad parameter"
    assert "names" in r.json()["detail"] and ID + "unit/" in r.json()["detail"]
    # nothing of that name
    r = get(server, "/queries/ranking", params={"indicator": "no such thing"}, headers=HTML)
    assert (
        r.status_code == 400 and "no such thing" in r.text and 'href="/queries/ranking"' in r.text
    )
    assert get(server, "/queries/ranking", params={"indicator": "nope"}).json()["status"] == 400
    # a value of the wrong type, a parameter the query does not have, an unknown query
    r = get(server, "/queries/high-rates", params={"min": "lots"}, headers=HTML)
    assert r.status_code == 400 and "«lots»" in r.text and "«min»" in r.text
    r = get(server, "/queries/ranking", params={"area": "918", "lang": "en"}, headers=HTML)
    assert r.status_code == 400 and "has no parameter «area»" in r.text
    r = get(server, "/queries/no-such-query", headers=HTML)
    assert r.status_code == 404 and "no-such-query" in r.text and "<html" in r.text
    assert get(server, "/queries/no-such-query").json()["status"] == 404


def test_catalogue_form_offers_a_pick_list(server):
    r = get(server, "/queries/ranking", headers=HTML)
    assert 'list="pick-indicator"' in r.text
    options = r.text.split('<datalist id="pick-indicator">', 1)[1].split("</datalist>", 1)[0]
    assert '<option value="tỷ lệ hồ sơ trực tuyến">' in options
    r = get(server, "/queries/locality-profile", headers=HTML)
    assert (
        "Quận Bình Thủy" in r.text.split('<datalist id="pick-area">', 1)[1].split("</datalist>")[0]
    )


@pytest.mark.parametrize("value", ["năm 2023", "nam 2023", "2023", "2023-01-01--2023-12-31"])
def test_catalogue_period_as_people_write_it(server, value):
    """Periods have no stored label: the pick list offers them as people write them
    ("năm 2023"), and what it offers resolves, as does the English form and the IRI's path."""
    r = get(server, "/queries/period-facts", headers=HTML)
    picks = r.text.split('<datalist id="pick-period">', 1)[1].split("</datalist>", 1)[0]
    assert '<option value="năm 2023">' in picks and "ngày 30/5/2023" in picks
    by_iri = _rows(
        get(
            server, "/queries/period-facts", params={"period": ID + "period/2023-01-01--2023-12-31"}
        )
    )
    assert by_iri
    assert _rows(get(server, "/queries/period-facts", params={"period": value})) == by_iri


def _visible(html: str) -> str:
    """The page's text without tags, attribute values (titles keep variable names) and
    code (the query's SPARQL, parameter names)."""
    import html as html_lib

    body = html.split("<main>", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<(pre|code)\b.*?</\1>", " ", body, flags=re.DOTALL)
    return html_lib.unescape(re.sub(r"<[^>]*>", " ", body))


def test_the_vietnamese_interface_has_no_developer_words(server):
    """Issue 21, point 11: roles, column titles, parameter help, report keys, class names
    and timestamps in the reader's language."""
    text = _visible(get(server, "/id/unit/pre2025/district/918", headers=HTML).text)
    assert "thực đạt" in text and " actual " not in text
    assert "thực đạt" in _visible(get(server, "/id/" + OBS, headers=HTML).text)
    page = get(server, "/queries/indicator-by-locality", headers=HTML).text
    text = _visible(page)
    for developer in ("areaLabel", "stated", " obs "):
        assert developer not in text.replace("\n", " ")
    assert "Địa bàn" in text and "Cách viết" in text and 'title="?areaLabel"' in page
    assert "Địa bàn (tên)" in text  # ?areaLabel beside ?area
    assert "xsd:decimal" not in text and "xsd:date" not in text
    assert "chỉ tiêu: tên, mã" in text  # parameter help
    en = _visible(get(server, "/queries/indicator-by-locality?lang=en", headers=HTML).text)
    assert "As written" in en and "the indicator" in en
    text = _visible(get(server, "/id/indicator/online-dossier-rate", headers=HTML).text)
    assert "skos:Concept" not in text and "khái niệm" in text
    text = _visible(get(server, "/search", params={"q": "binh thuy"}, headers=HTML).text)
    assert "cdskg:" not in text and "đơn vị hành chính" in text
    text = _visible(get(server, "/", headers=HTML).text)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text) and "(UTC)" in text
    text = _visible(get(server, "/validation", headers=HTML).text)
    assert "facts_rejected" not in text and "số liệu bị giữ lại" in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text)
