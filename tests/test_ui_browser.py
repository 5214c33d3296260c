"""The pages in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium,
installed by `make install-test`) against the real gunicorn server. Screenshots are kept
in tests/artifacts/ (gitignored) for people to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

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
            viewport={"width": 1280, "height": 900},
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
