"""The validation gate of `cdskg build`: what violates a shape is held back and
explained, the rest of the article and of the corpus is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from cdskg.store.generations import open_read_only
from conftest import run_cli, serving

# Our own paragraph. 150% is not a possible online-dossier rate: the shape must stop it.
BAD_RATE = """Phường Hòa Lợi đẩy mạnh dịch vụ công trực tuyến

Tính đến ngày 30-6-2023, phường Hòa Lợi (thị xã Bến Cát) có 2.345 tài khoản định danh điện tử
được kích hoạt. Tỷ lệ hồ sơ trực tuyến của phường đạt 150%, theo báo cáo của UBND phường.
"""
GOOD = """Xã An Tây triển khai chuyển đổi số

Tính đến ngày 30-6-2023, xã An Tây (thị xã Bến Cát) có 1.234 tài khoản định danh điện tử được
kích hoạt.
"""


def test_offending_fact_is_held_back_and_reported(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "bad_rate.txt").write_text(BAD_RATE, encoding="utf-8")
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    store, report = tmp_path / "s", tmp_path / "r.json"
    proc = run_cli("build", str(corpus), "--store", str(store), "--report", str(report), check=1)
    assert "held back" in proc.stderr and "150%" in proc.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    bad = next(a for a in data["articles"] if a["file"].endswith("bad_rate.txt"))
    assert bad["status"] == "added"  # the article loads, without the offending fact
    [rejected] = bad["rejected"]
    assert rejected["shape"].endswith("PercentRangeShape")
    assert "150%" in rejected["sentence"]
    assert rejected["message_vi"] and rejected["message_en"]
    st, _ = open_read_only(store)
    values = sorted(
        r["v"].value
        for r in st.query(
            "SELECT ?v WHERE { ?o <http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?v }",
            use_default_graph_as_union=True,
        )
    )
    assert values == ["1234", "2345"]


def test_server_shows_the_latest_validation_report(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "bad_rate.txt").write_text(BAD_RATE, encoding="utf-8")
    store = tmp_path / "s"
    run_cli("build", str(corpus), "--store", str(store), check=1)
    with serving(store, tmp_path / "serve.log") as base:
        page = requests.get(base + "/validation", timeout=10)
        assert page.status_code == 200
        assert "150%" in page.text and "PercentRangeShape" in page.text
        data = requests.get(base + "/validation?format=json", timeout=10).json()
        assert data["report"]["counts"]["facts_rejected"] == 1
        assert data["store_version"] == data["report"]["generation"]
        # a clean rebuild of the corpus replaces what the page shows
        (corpus / "bad_rate.txt").write_text(BAD_RATE.replace("150%", "95%"), encoding="utf-8")
        run_cli("build", str(corpus), "--store", str(store), check=0)
        page = requests.get(base + "/validation?lang=en", timeout=10)
        assert 'id="report-clean"' in page.text and "150%" not in page.text
