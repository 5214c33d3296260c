"""The web app in-process, through Flask's test client: the HTTP layer's promises without a
server process (the same views `cdskg serve` runs; the protocol suites run against a real
server in test_protocol.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from cdskg.settings import Settings
from cdskg.web import create_app


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[FlaskClient]:
    app = create_app(Settings(store=built_store, prepare_downloads=False))
    with app.test_client() as c:
        yield c


def test_health_names_the_store_version(client: FlaskClient) -> None:
    body = client.get("/health").get_json()
    assert body["status"] == "ok"
    assert body["store_version"]


def test_ask_over_get_and_post(client: FlaskClient) -> None:
    q = "ASK { ?o a <http://purl.org/linked-data/cube#Observation> }"
    got = client.get("/sparql", query_string={"query": q}, headers={"Accept": "application/json"})
    assert got.status_code == 200 and got.get_json()["boolean"] is True
    posted = client.post(
        "/sparql", data=q.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert posted.status_code == 200 and posted.get_json()["boolean"] is True


def test_predeclared_prefixes(client: FlaskClient) -> None:
    r = client.get("/sparql", query_string={"query": "ASK { ?o a qb:Observation }"})
    assert r.status_code == 200


def test_syntax_error_is_400_with_position(client: FlaskClient) -> None:
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400
    assert "at 1:25" in r.get_json()["detail"]


def test_unacceptable_accept_is_406(client: FlaskClient) -> None:
    r = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_update_is_refused_when_not_enabled(client: FlaskClient) -> None:
    r = client.post(
        "/sparql",
        data=b"INSERT DATA { <http://e/s> <http://e/p> 1 }",
        headers={"Content-Type": "application/sparql-update"},
    )
    assert r.status_code in (403, 405)
    ask = client.get("/sparql", query_string={"query": "ASK { <http://e/s> ?p ?o }"})
    assert ask.get_json()["boolean"] is False


def test_home_page_is_html(client: FlaskClient) -> None:
    r = client.get("/", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.mimetype == "text/html"


def test_indicator_page_shows_its_framework(client: FlaskClient) -> None:
    page = client.get("/id/indicator/dti-gov-activity", headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    section = text[text.index('class="framework"') :]
    section = section[: section.index("</section>")]
    assert "/id/collection/dti" in section or "DTI" in section
    # the document and its date, as people write dates (issue 21, point 11)
    assert "922/QĐ-BTTTT" in section and "20/5/2022" in section
    assert "/id/pillar/digital-government" in section
