"""Observation tables (pages/facttable.py, pages/tables.py) through Flask's test client on
the real built store: facets that count what the filters leave, paging that covers every
row once, sorting, CSV/JSON of exactly the rows shown, figures with their qualifier and
breakdown, charts and rankings that compare like with like (issue 21, points 1 and 10).

Expected numbers are asked of the store through /sparql, never written down here."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from cdskg.settings import Settings
from cdskg.web import create_app

HTML = {"Accept": "text/html"}
ID = "https://w3id.org/cdskg/id/"
BINH_THUY = "/id/unit/pre2025/district/918"
RATE = "/id/indicator/online-dossier-rate"


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[FlaskClient]:
    app = create_app(Settings(store=built_store, prepare_downloads=False))
    with app.test_client() as c:
        yield c


def page(client: FlaskClient, path: str, **args: str) -> str:
    """A page in Vietnamese unless ``lang`` says otherwise (the client keeps the cookie a
    ``lang`` argument sets, so every request says its language)."""
    path, _, query = path.partition("?")
    given = {k: v[0] for k, v in parse_qs(query).items()} | args
    given.setdefault("lang", "vi")
    r = client.get(path, query_string=given, headers=HTML)
    assert r.status_code == 200, (path, args, r.status_code)
    return r.get_data(as_text=True)


def sparql_count(client: FlaskClient, pattern: str) -> int:
    q = f"SELECT (COUNT(DISTINCT ?obs) AS ?n) WHERE {{ ?obs a qb:Observation . {pattern} }}"
    r = client.get("/sparql", query_string={"query": q}, headers={"Accept": "application/json"})
    return int(r.get_json()["results"]["bindings"][0]["n"]["value"])


def sparql_column(client: FlaskClient, query: str, var: str) -> list[str]:
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    return [b[var]["value"] for b in r.get_json()["results"]["bindings"] if var in b]


def table_of(text: str) -> str:
    return text.split('<section class="fact-table" id="facts">', 1)[1].split("</section>", 1)[0]


def rows_of(text: str) -> list[str]:
    """The observation paths of the table's rows, in order."""
    body = table_of(text).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<td class="num[^"]*"><a href="(/id/obs/[^"]+)"', body)


def facet_counts(text: str, dim: str) -> dict[str, int]:
    """``{value: count}`` of one facet, read from its links (and the selected value)."""
    block = table_of(text).split(f'id="facet-{dim}"', 1)[1].split("</div>", 1)[0]
    found = {}
    for li in re.findall(r"<li[^>]*>(.*?)</li>", block, flags=re.DOTALL):
        m = re.search(rf"[?&]{dim}=([^&#\"]+)", html.unescape(li))
        n = re.search(r'<span class="count">(\d+)</span>', li)
        if n is None:
            continue
        value = m.group(1) if m else "(selected)"
        found[value] = int(n.group(1))
    return found


def total_of(text: str) -> int:
    status = table_of(text).split('id="table-status">', 1)[1].split("<", 1)[0]
    return int(re.findall(r"\d+", status)[-1]) if re.search(r"\d", status) else 0


def link(text: str, anchor_id: str) -> str:
    return html.unescape(re.search(rf'id="{anchor_id}" href="([^"]+)"', text).group(1))


# -- facets, paging, sorting --------------------------------------------------------------


def test_locality_facets_count_what_each_value_would_leave(client):
    text = page(client, BINH_THUY)
    area = f"?obs sdmx-dimension:refArea <{ID}unit/pre2025/district/918> ."
    assert total_of(text) == sparql_count(client, area) > 0
    for value, n in facet_counts(text, "breakdown").items():
        pattern = f"{area} ?obs cdskg:breakdown <{ID}breakdown/{value}> ."
        assert n == sparql_count(client, pattern), value
    assert sum(facet_counts(text, "role").values()) == total_of(text)
    # a filter narrows the table and the other facets; its own facet keeps the choices
    narrowed = page(client, BINH_THUY, breakdown="commune-average")
    expected = sparql_count(
        client, f"{area} ?obs cdskg:breakdown <{ID}breakdown/commune-average> ."
    )
    assert total_of(narrowed) == len(rows_of(narrowed)) == expected
    choices = facet_counts(narrowed, "breakdown")
    assert choices["(selected)"] == expected
    assert len(choices) == len(facet_counts(text, "breakdown"))


def test_pages_cover_every_row_once(client):
    """Three rows a page: the pages together list every observation once, in a stable
    order, and the pager links from one to the next."""
    everything = sparql_count(client, "")
    seen: list[str] = []
    url = "/facts?size=3"
    while url:
        text = page(client, url)
        got = rows_of(text)
        assert 0 < len(got) <= 3
        seen += got
        nxt = re.search(r'<a rel="next" href="([^"]+)"', text)
        url = html.unescape(nxt.group(1)).split("#")[0] if nxt else ""
        assert len(seen) <= everything, "the pager does not end"
    assert len(seen) == len(set(seen)) == everything


def test_sorting_by_value_both_ways(client):
    values = []
    for sort in ("value", "-value"):
        r = client.get(
            "/facts",
            query_string={"indicator": "online-dossier-rate", "sort": sort, "format": "json"},
        )
        values.append([row["value"] for row in r.get_json()["rows"]])
    assert values[0] == sorted(values[0]) and values[1] == sorted(values[1], reverse=True)
    assert sorted(values[0]) == sorted(values[1]) and len(values[0]) > 2
    text = page(client, RATE, sort="value")
    assert 'aria-sort="ascending"' in text
    # the header offers the other direction next
    assert "sort=-value" in html.unescape(text.split('aria-sort="ascending"', 1)[1][:300])


def test_csv_and_json_links_give_exactly_the_rows_shown(client):
    text = page(client, BINH_THUY, sort="-value", size="7", page="2")
    shown = [f"https://w3id.org/cdskg{p}" for p in rows_of(text)]
    assert len(shown) == 7
    for anchor, fmt in (("table-csv", "csv"), ("table-json", "json")):
        href = link(text, anchor)
        assert href.startswith("/facts?") and f"format={fmt}" in href
        r = client.get(href)
        assert r.status_code == 200
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
            assert [row["observation"] for row in rows] == shown
            assert {"breakdown", "qualifier", "figure"} <= set(rows[0])
        else:
            body = r.get_json()
            assert [row["observation"] for row in body["rows"]] == shown
            assert body["page"] == 2 and body["size"] == 7 and body["total"] == total_of(text)


@pytest.mark.parametrize(
    "args", [{"sort": "bogus"}, {"page": "0"}, {"size": "many"}, {"indicator": "a b"}]
)
def test_bad_table_arguments_say_what_to_give(client, args):
    r = client.get("/facts", query_string=args, headers=HTML)
    assert r.status_code == 400
    name = next(iter(args))
    assert name in r.get_data(as_text=True)
    assert client.get("/facts", query_string=args).get_json()["status"] == 400
    # a resource page keeps its default table and says what was wrong
    text = page(client, BINH_THUY, **args)
    assert 'class="problem"' in text and rows_of(text)


# -- like with like -----------------------------------------------------------------------


def test_figures_show_qualifier_and_breakdown(client):
    text = page(client, BINH_THUY, indicator="online-dossier-rate")
    cells = html.unescape(table_of(text))
    assert "> 81%" in cells and "≥ 97%" in cells and "90,13%" in cells
    assert "bình quân các đơn vị cấp xã" in cells and "riêng cấp huyện" in cells
    en = html.unescape(
        table_of(page(client, BINH_THUY, indicator="online-dossier-rate", lang="en"))
    )
    assert "average over communes or wards" in en and "actual" in en
    obs = page(client, "/id/obs/" + rows_of(text)[0].split("/id/obs/", 1)[1])
    assert "Phạm vi" in obs


def test_indicator_chart_compares_one_breakdown(client):
    """The chart of an indicator never puts a ward average or a commune-level figure
    beside district totals: one role and one breakdown, the others one link away."""
    text = page(client, RATE)
    chart = html.unescape(text.split('id="indicator-chart"', 1)[1].split("</figure>", 1)[0])
    totals = sparql_column(
        client,
        f"""SELECT ?obs WHERE {{ ?obs cdskg:indicator <{ID}indicator/online-dossier-rate> ;
             cdskg:valueRole "actual" ; cdskg:breakdown <{ID}breakdown/total> }}""",
        "obs",
    )
    assert chart.count('class="bar-row"') == len(totals)
    assert "≥ 97" not in chart and "> 81" not in chart
    assert "> 67" in chart  # Bến Cát's "trên 67%" is shown as a bound
    like = html.unescape(text.split('id="chart-like"', 1)[1].split("</p>", 1)[0])
    assert "toàn địa bàn" in like
    average = re.search(r'href="([^"]*breakdown=commune-average[^"]*)"', like).group(1)
    other = page(client, average.split("#")[0])
    chart = html.unescape(other.split('id="indicator-chart"', 1)[1].split("</figure>", 1)[0])
    assert chart.count('class="bar-row"') == 1 and "≥ 97" in chart


def test_ranking_page_ranks_the_totals(client):
    text = html.unescape(page(client, "/queries/ranking"))
    table = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert table.index("Quận Bình Thủy") < table.index("Thành phố Bến Cát")
    assert "97%" not in table and "90,13%" in table and "trên" in table  # "> 67%": trên


def _bars(text: str, figure: str) -> list[tuple[str, str]]:
    chart = html.unescape(text.split(f'id="{figure}"', 1)[1].split("</figure>", 1)[0])
    return re.findall(
        r'<span class="bar-label">(?:<a [^>]*>)?([^<]*)(?:</a>)?</span>.*?'
        r'<span class="bar-value">([^<]*)</span>',
        chart,
        flags=re.DOTALL,
    )


def test_locality_chart_says_each_bars_qualifier_and_breakdown(client):
    """The locality's rates side by side: Bình Thủy's three online-dossier rates are three
    bars, each saying its bound and breakdown, never three bare numbers."""
    bars = _bars(page(client, BINH_THUY), "rate-chart")
    rate = {label: value for label, value in bars if label.startswith("tỷ lệ hồ sơ trực tuyến (")}
    assert rate == {
        "tỷ lệ hồ sơ trực tuyến (≥ 97%, bình quân các đơn vị cấp xã)": "≥ 97",
        "tỷ lệ hồ sơ trực tuyến (90,13%)": "90,13",
        "tỷ lệ hồ sơ trực tuyến (> 81%, riêng cấp huyện)": "> 81",
    }


def test_catalogue_charts_compare_like_with_like(client):
    """A catalogue chart whose result has breakdown and qualifier columns draws one
    breakdown (the most frequent: district totals), never Bình Thủy's ward average or its
    district-level bound beside them, and marks bounds ("> 67" for "trên 67%")."""
    text = page(client, "/queries/indicator-by-locality")
    bars = _bars(text, "query-chart")
    totals = sparql_column(
        client,
        f"""SELECT ?obs WHERE {{ ?obs cdskg:indicator <{ID}indicator/online-dossier-rate> ;
             cdskg:valueRole "actual" ; cdskg:breakdown <{ID}breakdown/total> }}""",
        "obs",
    )
    assert len(bars) == len(totals)
    assert ("Quận Bình Thủy", "90,13") in bars
    assert not any(v.endswith(("97", "81")) for _, v in bars)
    assert ("Thành phố Bến Cát", "> 67") in bars
    like = html.unescape(text.split('id="chart-like"', 1)[1].split("</p>", 1)[0])
    assert "toàn địa bàn" in like
    ranking = _bars(page(client, "/queries/ranking"), "query-chart")
    assert ("Thành phố Bến Cát", "> 67") in ranking and ranking[0] == ("Quận Bình Thủy", "90,13")


def test_catalogue_cells_write_dates_and_decimals_as_people_do(client):
    """Issue 21, point 11: a catalogue table's xsd:date and xsd:decimal cells read as the
    page's language writes them (30/5/2023 and 90,13; 30 May 2023 and 90.13), not ISO."""
    table = page(client, "/queries/ranking").split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "<td>90,13</td>" in table and "<td>30/5/2023</td>" in table
    assert not re.search(r"<td>\d{4}-\d\d-\d\d</td>", table)
    en = page(client, "/queries/ranking", lang="en").split("<tbody>", 1)[1]
    assert "<td>90.13</td>" in en and "<td>30 May 2023</td>" in en


# -- localities ---------------------------------------------------------------------------


def test_home_links_to_the_localities_with_facts(client):
    home = page(client, "/")
    assert 'id="localities-tile" href="/localities"' in home
    text = page(client, "/localities")
    areas = sparql_column(
        client,
        "SELECT DISTINCT ?area WHERE { ?obs a qb:Observation ; sdmx-dimension:refArea ?area }",
        "area",
    )
    listed = re.findall(r'<td><a href="(/id/unit/[^"]+)"', text)
    assert sorted(f"https://w3id.org/cdskg{p}" for p in listed) == sorted(areas)
    first = html.unescape(re.search(r'href="(/facts\?area=[^"]+)"', text).group(1))
    facts = page(client, "/facts", **{"area": parse_qs(urlsplit(first).query)["area"][0]})
    assert total_of(facts) == int(re.search(r'href="/facts\?area=[^"]+">(\d+)<', text).group(1))


# -- every page in both languages -----------------------------------------------------------

#: Codes and developer words a reader must never see (issue 21, point 11): ISO timestamps,
#: snake_case report keys, qualifier codes, compact class names; role codes in Vietnamese.
RAW = {
    "timestamp": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d"),
    # a period or a day as the store writes it, not as people do ("2023-01-01 – 2023-12-31")
    "ISO date": re.compile(r"(?<![\w/-])\d{4}-\d\d-\d\d(?![\w/-])"),
    "report key": re.compile(r"\b[a-z]+_[a-z]+(?:_[a-z]+)*\b"),
    "qualifier code": re.compile(r"\b(?:more-than|less-than|at-least|at-most|approximately)\b"),
    "class name": re.compile(r"\b(?:cdskg|skos|qb|schema|oa):[A-Z]\w+"),
}
RAW_VI = {"role code": re.compile(r"(?<![\w-])(?:actual|target|change)(?![\w-])")}


def visible(text: str) -> str:
    """What a reader reads in <main>: no tags, attribute values, code, the raw property
    tables of resource pages (compact RDF names there are the point), or text marked as
    English."""
    body = text.split("<main>", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<(pre|code|script|textarea)\b.*?</\1>", " ", body, flags=re.DOTALL)
    body = re.sub(r'<table class="props">.*?</table>', " ", body, flags=re.DOTALL)
    body = re.sub(r"<select\b.*?</select>", " ", body, flags=re.DOTALL)
    # the build's warnings are English text of the build report, marked so (lang="en")
    body = re.sub(r'<ul lang="en">.*?</ul>', " ", body, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]*>", " ", body))


def every_page(client: FlaskClient) -> list[str]:
    """The page kinds, and every catalogue page. /downloads answers 503 while its files
    are written (a process of its own), so it is left to the downloads page's tests."""
    queries = re.findall(r'href="(/queries/[\w-]+)"', page(client, "/queries"))
    some_obs = rows_of(page(client, BINH_THUY))[:3]
    article = re.search(r'href="(/id/article/[^"#]+)"', page(client, BINH_THUY)).group(1)
    return [
        "/", "/facts", "/localities", "/queries", "/validation",
        "/search?q=binh+thuy", BINH_THUY, RATE, "/id/pillar/digital-government", article,
        "/id/breakdown/commune-average", *some_obs, *sorted(set(queries)),
    ]  # fmt: skip


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_page_shows_codes_or_developer_words(client, lang):
    found = []
    for path in every_page(client):
        text = visible(page(client, path, lang=lang))
        checks = RAW | (RAW_VI if lang == "vi" else {})
        for what, pattern in checks.items():
            for m in pattern.finditer(text):
                around = text[max(0, m.start() - 40) : m.end() + 40]
                found.append(f"{path}: {what} {m.group(0)!r} in «{around}»")
    assert not found, "\n".join(found[:40])


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalogue_columns_are_titled_in_words(client, lang):
    """No catalogue result column is titled with its variable name (``areaLabel``, ``obs``)."""
    bare = []
    for path in sorted(set(re.findall(r'href="(/queries/[\w-]+)"', page(client, "/queries")))):
        for var, title in re.findall(
            r'<th title="\?(\w+)">([^<]*)</th>', page(client, path, lang=lang)
        ):
            if title == var:
                bare.append(f"{path}: ?{var}")
    assert not bare, bare
