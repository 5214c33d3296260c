"""The pages in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium,
installed by `make install-test`) against the real gunicorn server. Screenshots are kept
in tests/artifacts/ (gitignored) for people to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from cdskg.publish.query_catalogue import load_all as load_catalogue

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium (Debian package chromium) is absent; `make install-test` installs it",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        profile = tmp_path_factory.mktemp("chromium-profile")
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=FLAGS,
            headless=True,
            viewport={"width": 1366, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture()
def page(browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    page.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_home_search_locality(server, page):
    page.goto(server + "/")
    assert page.locator("#n-articles").inner_text() == "5"
    assert page.locator("html").get_attribute("lang") == "vi"
    shot(page, "01-home")
    page.fill("#search-box", "binh thuy")
    page.press("#search-box", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    first = page.locator("#search-results li a").first
    assert first.inner_text() == "Quận Bình Thủy"
    shot(page, "02-search")
    first.click()
    page.wait_for_url(re.compile(r"/id/unit/pre2025/district/918$"))
    assert page.locator("#title").inner_text() == "Quận Bình Thủy"
    assert "Thành phố Cần Thơ" in page.locator("#parent").inner_text()
    assert page.locator("#pillar-chart .bar").count() >= 3
    assert "90,13%" in page.locator("table.facts").first.inner_text() + page.content()
    shot(page, "03-locality")
    # the language switch
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "digital government" in page.content()
    page.goto(server + "/")
    assert page.locator("html").get_attribute("lang") == "en"  # remembered by a cookie
    page.goto(server + "/?lang=vi")


def test_search_finds_sentences_without_accents(server, page):
    """Point 9: words typed without accents find evidence sentences by their place, with the
    words of the query highlighted; a hit leads to the figure it was read from."""
    page.goto(server + "/")
    page.fill("#search-box", "Binh Thuy dich vu cong")
    page.press("#search-box", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    hit = page.locator("#search-results li.hit-sentence").first
    marks = [m.lower() for m in hit.locator("mark").all_inner_texts()]
    assert {"dịch", "vụ"} <= set(marks) and any(m.startswith("công") for m in marks)
    assert "Bình Thủy" in hit.inner_text()  # the place it was stated for
    shot(page, "02b-search-sentences")
    hit.locator("a").first.click()
    page.wait_for_url(re.compile(r"/id/obs/"))
    assert "dịch vụ công" in page.content()


def test_query_ui_to_evidence(server, page):
    page.goto(server + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click('#examples a[data-name="indicator-by-locality"]')
    editor = page.evaluate("window.cdskgYasgui.getTab().getQuery()")
    assert "PREFIX qb:" in editor and "online-dossier-rate" in editor
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    # result IRIs open cdskg's own pages
    links = page.locator('.yasr a[href^="/id/obs/"]')
    assert links.count() >= 1
    assert page.locator('.yasr a[href^="https://w3id.org/cdskg/id/"]').count() == 0
    assert page.locator("#result-chart .bar").count() >= 5
    csv_href = page.get_attribute("#dl-csv", "href")
    assert csv_href.startswith("/sparql?query=") and "format=csv" in csv_href
    shot(page, "04-query-ui")
    target = page.locator('.yasr a[href*="online-dossier-rate"][href^="/id/obs/000-"]').first
    # YASR's ellipsis overlay takes the click in headless mode: follow the link's own href
    page.goto(server + target.get_attribute("href"))
    page.wait_for_url(re.compile(r"/id/obs/000-41fe44b677ccd56a/"))
    sentence = page.locator("#evidence-sentence")
    assert sentence.is_visible()
    assert "%" in sentence.inner_text()
    assert page.locator("#evidence-sentence").evaluate("e => e.tagName") == "MARK"
    shot(page, "05-evidence")


def test_article_page_highlights_facts(server, page):
    page.goto(server + "/id/article/000-41fe44b677ccd56a")
    marks = page.locator("#article-text mark.fact")
    assert marks.count() >= 10
    assert "68.350" in page.locator("#article-text").inner_text()
    shot(page, "06-article")


def test_catalogue_page_and_ontology(server, page):
    page.goto(server + "/queries/ranking")
    rows = page.locator("#query-results tbody tr")
    assert rows.count() == 5
    assert rows.first.inner_text().startswith("Quận Bình Thủy")
    assert page.locator("#query-chart .bar").count() == 5
    shot(page, "07-catalogue-query")
    page.goto(server + "/ontology")
    assert page.locator("#Pillar").count() == 1
    shot(page, "08-ontology")


# ---------------------------------------------------------------- the query editor (issue 21)

README_QUERY = """SELECT ?stated ?indicator ?period WHERE {
  ?o sdmx-dimension:refArea <https://w3id.org/cdskg/id/unit/pre2025/district/918> ;
     cdskg:statedAs ?stated ; cdskg:indicator/skos:prefLabel ?indicator ;
     sdmx-dimension:refPeriod ?period .
  FILTER(lang(?indicator) = "en") } ORDER BY ?period ?indicator LIMIT 4"""


def editor_query(page) -> str:
    return page.evaluate("window.cdskgYasgui.getTab().getQuery()")


def set_editor_query(page, text: str) -> None:
    # through CodeMirror, as typing does: change events fire
    page.evaluate("t => { window.cdskgYasgui.getTab().getYasqe().setValue(t); }", text)


def open_editor(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".yasqe .CodeMirror")


def outside_requests(page, server: str) -> list[str]:
    """Every request of ``page`` that does not go to ``server`` is aborted and listed."""
    seen: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith(server + "/") or url.startswith("data:"):
            route.continue_()
        else:
            seen.append(url)
            route.abort()

    page.route("**/*", handle)
    return seen


def test_editor_keeps_the_query_over_a_reload(server, page):
    """Point 4: YASGUI keeps the query in local storage; ?name= opens an example and leaves
    the address once the example is edited, so the reload shows the edited query."""
    open_editor(page, server + "/sparql?name=ranking")
    assert "Localities ranked" in editor_query(page) or "Xếp hạng" in editor_query(page)
    mine = "SELECT ?o WHERE { ?o a qb:Observation } LIMIT 3"
    set_editor_query(page, mine)
    page.wait_for_function("!location.search.includes('name=')")
    page.reload()
    page.wait_for_selector(".yasqe .CodeMirror")
    assert editor_query(page) == mine
    # a ?name= link still opens its example, whatever was stored
    open_editor(page, server + "/sparql?name=pillar-overview")
    assert "?pillarLabel" in editor_query(page)


def _observations(server: str) -> int:
    """The store's count of observations, asked of the server itself (not a literal)."""
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?o a qb:Observation }"
    answer = requests.get(server + "/sparql", params={"query": q}, timeout=30).json()
    return int(answer["results"]["bindings"][0]["n"]["value"])


def test_share_link_opens_its_query(server, page):
    """Point 4: the share button's #query=… link opens (and runs) the query it carries,
    for someone who never saw it, and never on another endpoint."""
    open_editor(page, server + "/sparql")
    shared = "SELECT (COUNT(*) AS ?facts) WHERE { ?o a qb:Observation }"
    set_editor_query(page, shared)
    link = page.evaluate("window.cdskgYasgui.getTab().getShareableLink()")
    assert "#" in link and "query=" in link
    evil = link.replace("endpoint=", "endpoint=https%3A%2F%2Fevil.example%2Fsparql&x=")
    page.evaluate("localStorage.clear()")
    seen = outside_requests(page, server)
    page.goto(server + "/")
    page.goto(evil)
    page.wait_for_selector(".yasqe .CodeMirror")
    assert editor_query(page) == shared
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    cell = page.locator(".yasr table.dataTable tbody td").last.inner_text().strip()
    assert cell == str(_observations(server))
    assert seen == []


def test_editor_knows_the_predeclared_prefixes(server, page):
    """Point 5: the README's example uses prefixes the endpoint predeclares; the editor
    must not flag them."""
    open_editor(page, server + "/sparql")
    set_editor_query(page, README_QUERY)
    page.wait_for_timeout(300)
    assert page.evaluate("window.cdskgYasgui.getTab().getYasqe().queryValid") is True
    assert page.locator(".yasqe .parseErrorIcon").count() == 0
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    assert page.locator(".yasr table.dataTable tbody tr").count() == 4


def _complete(page, before: str, typed: str) -> list[str]:
    set_editor_query(page, before)
    page.evaluate(
        "() => { const y = window.cdskgYasgui.getTab().getYasqe();"
        " y.focus(); y.getDoc().setCursor(y.getDoc().lineCount(), 0); }"
    )
    page.keyboard.type(typed, delay=30)
    page.wait_for_selector(".CodeMirror-hints li", timeout=5000)
    return page.locator(".CodeMirror-hints li").all_inner_texts()


def test_autocomplete_uses_the_servers_vocabulary_only(server, page):
    """Point 5: classes and properties come from this server's /vocabulary (ontology and
    data); no request leaves the server."""
    seen = outside_requests(page, server)
    open_editor(page, server + "/sparql")
    classes = _complete(page, "SELECT * WHERE {\n  ?s a ", "cdskg:Pil")
    assert "cdskg:Pillar" in classes
    page.keyboard.press("Escape")
    props = _complete(page, "SELECT * WHERE {\n  ?s ", "cdskg:stat")
    assert "cdskg:statedAs" in props
    page.keyboard.press("Escape")
    props = _complete(page, "SELECT * WHERE {\n  ?s ", "sdmx-dimension:ref")
    assert {"sdmx-dimension:refArea", "sdmx-dimension:refPeriod"} <= set(props)
    shot(page, "09-editor-autocomplete")
    assert seen == []


def test_results_default_to_the_simple_view(server, page):
    """Point 6: 98, not "98"^^xsd:integer, unless the reader unticks "Simple view"."""
    page.goto(server + "/")
    page.evaluate("localStorage.clear()")
    open_editor(page, server + "/sparql")
    set_editor_query(page, "SELECT (COUNT(*) AS ?facts) WHERE { ?o a qb:Observation }")
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    cell = page.locator(".yasr table.dataTable tbody td").last.inner_text().strip()
    assert cell == str(_observations(server))
    simple = page.locator(".tableControls label.switch", has_text="Simple view").locator("input")
    assert simple.is_checked()
    shot(page, "10-editor-simple-view")
    simple.click()  # the reader's choice is kept
    page.wait_for_function(
        "() => [...document.querySelectorAll('.yasr tbody td')]"
        ".some(td => td.innerText.includes('^^'))"
    )
    page.reload()
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    simple = page.locator(".tableControls label.switch", has_text="Simple view").locator("input")
    assert not simple.is_checked()
    simple.click()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sparql",
        "/search?q=binh+thuy",
        "/id/unit/pre2025/district/918",
        "/id/indicator/online-dossier-rate",
        "/id/article/000-41fe44b677ccd56a",
        "/queries",
        "/queries/ranking",
        "/ontology",
        "/downloads",
        "/validation",
        "/facts",
        "/localities",
        "/id/pillar/digital-government",
        "/id/obs/000-41fe44b677ccd56a/1552-eid-activated-accounts",
        "/id/breakdown/commune-average",
        "/queries/indicator-by-locality",
        "/no-such-page",  # the error page
        "/queries/ranking?indicator=no+such+thing",
    ],
)
def test_pages_ask_no_other_server(server, page, path):
    """Every page loads with requests outside the server blocked, and makes none."""
    seen = outside_requests(page, server)
    page.goto(server + path, timeout=120_000)  # the ontology page is long; machines busy
    page.wait_for_load_state("networkidle", timeout=120_000)
    assert seen == [], f"{path} asked other servers: {seen}"


def _chart(page, selector: str) -> list[tuple[str, str]]:
    rows = page.locator(f"{selector} .bar-row")
    return [
        (r.locator(".bar-label").inner_text(), r.locator(".bar-value").inner_text())
        for r in rows.all()
    ]


CHARTED = sorted(q.name for q in load_catalogue() if q.chart)


@pytest.mark.parametrize("name", CHARTED)
def test_editor_draws_the_catalogue_chart(server, page, name):
    """Point 2: the editor's chart takes the columns of the query's ``# chart:`` header and
    draws what the catalogue page draws (same bars, labels and values)."""
    page.goto(server + f"/queries/{name}?lang=vi")
    expected = _chart(page, "#query-chart")
    open_editor(page, server + f"/sparql?name={name}&lang=vi")
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr .yasr_response_chip, .yasr table.dataTable", timeout=20000)
    if not expected:
        page.wait_for_timeout(1000)
        assert page.locator("#editor-chart .bar-row").count() == 0
        return
    page.wait_for_selector("#editor-chart .bar-row")
    assert page.locator("#chart-columns").get_attribute("data-declared") == "yes"
    assert _chart(page, "#editor-chart") == expected
    if name == "ranking":
        assert ("Tỉnh Nam Định", "21,8") in expected  # numbers as Vietnamese write them
        shot(page, "11-editor-chart")
    if name in ("ranking", "indicator-by-locality"):
        # point 1: bounds are marked ("trên 67%"), one breakdown only (no ward average)
        assert ("Thành phố Bến Cát", "> 67") in expected
        assert not any(value.endswith("97") for _, value in expected)
    if name == "indicator-by-locality":
        assert "toàn địa bàn" in page.locator("#chart-like").inner_text()


def test_editor_chart_without_a_header_skips_constant_columns(server, page):
    """A query without ``# chart:`` gets the first numeric column against the first text
    column that varies (not a language tag repeated on every row)."""
    open_editor(page, server + "/sparql")
    set_editor_query(
        page,
        "SELECT ?lang ?label (COUNT(?o) AS ?facts) WHERE { ?o cdskg:pillar ?p ."
        ' ?p skos:prefLabel ?label BIND("vi" AS ?lang) FILTER(lang(?label) = ?lang) }'
        " GROUP BY ?lang ?label ORDER BY DESC(?facts)",
    )
    page.click(".yasqe_queryButton")
    page.wait_for_selector("#editor-chart .bar-row")
    assert page.locator("#chart-columns").get_attribute("data-label") == "label"
    assert page.locator("#chart-columns").get_attribute("data-value") == "facts"
    labels = [label for label, _ in _chart(page, "#editor-chart")]
    assert "chính quyền số" in labels


def test_editor_font_draws_vietnamese(server, page):
    """Point 7: the editor uses a monospace font with Vietnamese glyphs, served by the
    server itself (JetBrains Mono from npm); Debian's default monospace draws "Số" as "Sô´"."""
    seen = outside_requests(page, server)
    open_editor(page, server + "/sparql")
    set_editor_query(page, '# Số liệu của quận Bình Thủy\nSELECT * WHERE { ?s rdfs:label "Số" }')
    family = page.evaluate(
        "getComputedStyle(document.querySelector('.yasqe .CodeMirror')).fontFamily"
    )
    assert family.startswith('"JetBrains Mono"')
    # without ligatures: an IRI's "--" must not be drawn as a dash
    ligatures, features = page.evaluate(
        "() => { const s = getComputedStyle("
        "document.querySelector('.yasqe .CodeMirror pre.CodeMirror-line'));"
        " return [s.fontVariantLigatures, s.fontFeatureSettings]; }"
    )
    assert ligatures == "none" and '"calt" 0' in features
    page.evaluate("document.fonts.ready")
    page.wait_for_function(
        "() => [...document.fonts].some(f => f.family.includes('JetBrains Mono')"
        " && f.unicodeRange.includes('U+1EA0') && f.status === 'loaded')"
    )
    assert page.evaluate("document.fonts.check('14px \"JetBrains Mono\"', 'Số liệu Bình Thủy')")
    page.locator(".yasqe .CodeMirror").screenshot(path=str(ARTIFACTS / "12-editor-font.png"))
    assert seen == []


#: What the security work's Content-Security-Policy allows: the server's own files only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " font-src 'self'; connect-src 'self'"
)
#: YASR's column resizer adds a <style> element (refused; cdskg.css carries its rules).
KNOWN_VIOLATIONS = [("style-src-elem", "/static/vendor/yasgui.min.js")]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/id/unit/pre2025/district/918",
        "/id/indicator/online-dossier-rate",
        "/queries/ranking",
        "/search?q=binh+thuy",
        "/sparql?name=ranking",
    ],
)
def test_pages_work_under_a_strict_content_security_policy(server, page, path):
    """No inline script or style of ours: every page (and the editor, run) reports no
    violation of a policy allowing only the server's own scripts and styles."""
    page.add_init_script(
        "window.cdskgViolations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.cdskgViolations.push([e.violatedDirective, e.sourceFile]));"
    )

    def with_csp(route):
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": CSP}
        )

    page.route("**/*", with_csp)
    page.goto(server + path, timeout=120_000)
    if path.startswith("/sparql"):
        page.wait_for_selector(".yasqe .CodeMirror")
        page.click(".yasqe_queryButton")
        page.wait_for_selector("#editor-chart .bar-row", timeout=60_000)
    violations = [
        (directive, source)
        for directive, source in page.evaluate("window.cdskgViolations")
        # static files have their content hash in their names: compare the plain names
        if not any(
            d == directive and re.sub(r"\.[0-9a-f]{10}(\.\w+)$", r"\1", source).endswith(f)
            for d, f in KNOWN_VIOLATIONS
        )
    ]
    assert violations == []
    page.unroute_all(behavior="ignoreErrors")


def _table_rows(page) -> list[str]:
    return [a.get_attribute("href") for a in page.locator("#facts tbody td.num a").all()]


def test_tables_filter_sort_and_page_by_links(server, page):
    """Point 10: a reader narrows a locality's table with a facet, sorts it from a header,
    pages through /facts and downloads exactly the rows shown, all by following links
    (no script needed, every state a URL)."""
    page.goto(server + "/id/unit/pre2025/district/918?lang=vi")
    everything = _table_rows(page)
    assert len(everything) > 5
    facet = page.locator("#facet-breakdown a", has_text="bình quân các đơn vị cấp xã")
    count = int(facet.locator("xpath=following-sibling::span[1]").inner_text())
    facet.click()
    page.wait_for_url(re.compile(r"breakdown=commune-average"))
    narrowed = _table_rows(page)
    assert len(narrowed) == count and set(narrowed) <= set(everything)
    assert "≥ 97%" in page.locator("#facts tbody").inner_text()
    page.locator("#facet-breakdown a.remove").click()
    page.wait_for_url(re.compile(r"/district/918\?lang=vi#facts$"))
    # sort on the figure, highest first, then lowest first
    page.locator("#facts thead a.sort").get_by_text("Số liệu", exact=True).click()
    page.wait_for_url(re.compile(r"sort=-value"))
    assert page.locator('#facts th[aria-sort="descending"]').count() == 1
    shot(page, "09-locality-table")
    page.screenshot(path="/tmp/tables-ui-locality.png", full_page=True)
    # paging: five rows a page, the pages together hold every observation once
    page.goto(server + "/facts?size=5&lang=vi")
    total = int(page.locator("#table-status").inner_text().split()[-1])
    seen: list[str] = []
    while True:
        seen += _table_rows(page)
        csv_href = page.get_attribute("#table-csv", "href")
        assert "size=5" in csv_href and "format=csv" in csv_href
        nxt = page.locator('.pager a[rel="next"]')
        if nxt.count() == 0:
            break
        nxt.click()
        page.wait_for_load_state()
    assert len(seen) == len(set(seen)) == total
    page.goto(server + "/id/indicator/online-dossier-rate?lang=vi")
    shot(page, "10-indicator-table")
    page.screenshot(path="/tmp/tables-ui-indicator.png", full_page=True)
