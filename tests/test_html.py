"""Saved web pages read as their article's text (cdskg.extract.html)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cdskg.extract.articles import collect, read_article
from cdskg.extract.extractor import Extractor
from cdskg.extract.html import looks_like_html, page_text

ROOT = Path(__file__).resolve().parents[1]

PAGE = """<!DOCTYPE html>
<html><head><title>Đức Trọng đẩy mạnh chuyển đổi số - Báo Lâm Đồng</title>
<meta property="article:published_time" content="2023-11-20T08:15:00+07:00">
<link rel="canonical" href="https://baolamdong.vn/duc-trong-chuyen-doi-so.html">
<script>var views = 1234; document.write("Lượt xem: 99");</script>
<style>p { color: #333 }</style></head>
<body><nav><a href="/">Trang chủ</a></nav>
<article><h1>Huyện Đức Trọng đẩy mạnh chuyển đổi số</h1>
<p>Năm 2023, tỷ lệ hồ sơ trực tuyến của huyện Đức Trọng đạt&nbsp;76,2%.</p>
<p>Huyện có 29 tổ công nghệ số cộng đồng<br>với 312 thành viên &amp; tình nguyện viên.</p>
<table><tr><td>Xã Hiệp Thạnh</td><td>91,2%</td></tr></table>
</article></body></html>
"""


def test_a_page_is_its_text_a_block_a_paragraph():
    page = page_text(PAGE)
    lines = page.text.split("\n\n")
    assert lines[0] == "Huyện Đức Trọng đẩy mạnh chuyển đổi số"  # the h1, not the <title>
    assert lines[1] == "date 2023-11-20"
    assert "Năm 2023, tỷ lệ hồ sơ trực tuyến của huyện Đức Trọng đạt 76,2%." in lines
    assert "với 312 thành viên & tình nguyện viên." in page.text  # references decoded
    assert "Lượt xem" not in page.text and "color" not in page.text  # scripts, styles
    assert "<" not in page.text and "&nbsp;" not in page.text
    assert page.url == "https://baolamdong.vn/duc-trong-chuyen-doi-so.html"


def test_a_saved_page_is_read_as_an_article(tmp_path):
    for name in ("trang.html", "trang.txt"):  # a page saved under a .txt name too
        path = tmp_path / name
        path.write_text(PAGE, encoding="utf-8")
        source = read_article(path)
        assert source.text.startswith("Huyện Đức Trọng đẩy mạnh chuyển đổi số\n\n")
        assert source.url == "https://baolamdong.vn/duc-trong-chuyen-doi-so.html"
        r = Extractor(ROOT / "mappings", ROOT / "ontology").extract(source)
        got = {q.stated: q.indicator for q in r.quantities}
        assert got["76,2%"] == "online-dossier-rate"
        assert got["29"] == "community-digital-teams"
        # the page's date dates the article; the evidence is the page's text
        assert {"dateline (publication date)"} <= {d["reason"] for d in r.dropped}
        q = next(q for q in r.quantities if q.stated == "76,2%")
        assert source.text[q.evidence.source_start : q.evidence.source_end] == q.evidence.exact
    assert [p.name for p in collect([tmp_path])] == ["trang.html", "trang.txt"]


def test_plain_text_is_no_page():
    assert not looks_like_html("Huyện Đức Trọng: tỷ lệ <80% hồ sơ")
    assert looks_like_html("  <!doctype html><p>x</p>")


@given(st.text(alphabet="<>/&;#abcpdivh1 \n\"'=đĐ0123456789", max_size=200))
def test_any_markup_gives_text(markup):
    text = page_text("<html>" + markup).text
    assert isinstance(text, str) and "<html>" not in text


TABLE = """<html><body><h1>Huyện Đức Trọng công bố kết quả dịch vụ công trực tuyến năm 2023</h1>
<p>Năm 2023, UBND huyện Đức Trọng (Lâm Đồng) công bố kết quả của các xã như sau:</p>
<table>
<tr><th>STT</th><th>Đơn vị</th><th>Tỷ lệ hồ sơ trực tuyến (%)</th>
<th>Tỷ lệ thanh toán trực tuyến (%)</th></tr>
<tr><td>1</td><td>Xã Hiệp Thạnh</td><td>91,2</td><td>45,1</td></tr>
<tr><td>2</td><td>Thị trấn Liên Nghĩa</td><td>95,4</td><td>52,6</td></tr>
</table></body></html>
"""


def test_a_table_is_read_row_by_row_under_its_headers(tmp_path):
    text = page_text(TABLE).text
    assert "Xã Hiệp Thạnh: Tỷ lệ hồ sơ trực tuyến 91,2%; Tỷ lệ thanh toán trực tuyến 45,1%." in text
    path = tmp_path / "bang.html"
    path.write_text(TABLE, encoding="utf-8")
    r = Extractor(ROOT / "mappings", ROOT / "ontology").extract(read_article(path))
    got = {(r.places[q.area].short, q.indicator, q.stated) for q in r.quantities}
    assert got == {
        ("Hiệp Thạnh", "online-dossier-rate", "91,2%"),
        ("Hiệp Thạnh", "online-payment-rate", "45,1%"),
        ("Liên Nghĩa", "online-dossier-rate", "95,4%"),
        ("Liên Nghĩa", "online-payment-rate", "52,6%"),
    }  # the rows' numbers (STT) are no figures


def test_a_table_that_lays_out_a_page_gives_its_paragraphs():
    page = page_text(
        "<html><body><table><tr><td><h1>Tiêu đề</h1><p>Đoạn một.</p><p>Đoạn hai.</p></td>"
        "<td>Bên lề</td></tr></table></body></html>"
    )
    assert page.text.split("\n\n") == ["Tiêu đề", "Đoạn một.", "Đoạn hai.", "Bên lề\n"]
