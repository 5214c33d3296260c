"""Cleaning on our own genre text: image captions go, with their reason; real
one-sentence paragraphs stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdskg.extract.clean import NoiseRules, clean

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rules():
    return NoiseRules.load(ROOT / "mappings" / "noise.toml")


TITLE = "Xã Tân Hòa đưa dịch vụ công về tận thôn"


def reasons(cleaned):
    return {d.text.strip(): d.reason for d in cleaned.drops}


def test_repeated_title_and_the_caption_under_it_go(rules):
    text = (
        f"{TITLE}\n\n"
        "Năm 2024, xã Tân Hòa có 85% hồ sơ được nộp trực tuyến.\n\n"
        f"{TITLE}\n"
        "Tổ công nghệ số cộng đồng xã Tân Hòa ra mắt người dân.\n\n"
        "Xã đã lắp 12 điểm wifi công cộng tại các nhà văn hóa thôn."
    )
    out = clean(text, rules)
    dropped = reasons(out)
    assert dropped[TITLE] == "the title repeated above an image"
    assert dropped["Tổ công nghệ số cộng đồng xã Tân Hòa ra mắt người dân."] == (
        "image caption under the repeated title"
    )
    assert out.text.startswith(TITLE)  # the title itself stays
    assert out.text.count(TITLE) == 1
    assert "12 điểm wifi" in out.text and "85% hồ sơ" in out.text


def test_text_under_a_repeated_title_that_is_more_than_a_caption_stays(rules):
    body = "Xã có 3 tổ công nghệ số. Mỗi tổ có 5 thành viên."
    out = clean(f"{TITLE}\n\n{TITLE}\n{body}", rules)
    assert body in out.text


def test_caption_paragraph_goes(rules):
    caption = "Cán bộ xã Tân Hòa hướng dẫn người dân cài đặt ứng dụng VNeID tại nhà văn hóa thôn."
    text = f"{TITLE}\n\nXã có 1.200 hộ dân.\n\n{caption}\n\nĐến nay, 90% hộ dân đã có tài khoản."
    out = clean(text, rules)
    assert caption not in out.text
    assert reasons(out)[caption].startswith("image caption")
    assert "1.200 hộ dân" in out.text and "90% hộ dân" in out.text


@pytest.mark.parametrize(
    "paragraph",
    [
        "Người dân đánh giá cao sự thay đổi này.",  # no scene: a statement
        "Cán bộ, công chức xã đã được tập huấn kỹ năng số, đạt 100% kế hoạch.",  # a figure
        "Những kết quả bước đầu",  # a heading
        "Trung tâm điều hành thông minh của huyện đi vào vận hành từ tháng 6-2024.",
    ],
)
def test_real_one_sentence_paragraphs_stay(rules, paragraph):
    text = f"{TITLE}\n\nXã có 1.200 hộ dân.\n\n{paragraph}\n\nXã có 12 điểm wifi."
    out = clean(text, rules)
    assert paragraph in out.text
    assert not out.drops


def test_caption_words_inside_a_paragraph_are_text(rules):
    line = "Cán bộ xã hướng dẫn người dân cài đặt VNeID tại nhà văn hóa thôn"
    text = f"{TITLE}\n\nXã có 1.200 hộ dân.\n{line}\nXã có 12 điểm wifi."
    assert line in clean(text, rules).text


def test_portal_furniture_goes_with_its_reason(rules):
    """Furniture of government portals and newspapers (our own text in their shape):
    datelines, counters, page tools, breadcrumbs, menus, share buttons, image leftovers,
    related-news links and the site footer; the article's sentences stay."""
    body = "Năm 2024, xã Tân Hòa có 85% hồ sơ được nộp trực tuyến."
    text = "\n".join(
        [
            TITLE,
            "Trang chủ > Tin tức > Chuyển đổi số",
            "Giới thiệu | Tin tức | Văn bản | Liên hệ | Sơ đồ",
            "Thứ Hai, ngày 15/04/2024 | 08:30",
            "Cập nhật: 15/04/2024 09:00:00",
            "Xem cỡ chữ",
            "Xuất bản thông tin",
            "Lượt xem: 117",
            "Hôm nay: 1 Hôm qua: 0 Tổng lượt truy cập: 12.345",
            "",
            " date 2024-04-15 " + body,
            "",
            "![]() |",
            "anh-tan-hoa-2024-04-15.jpg",
            "Người dân xã Tân Hòa nộp hồ sơ tại bộ phận một cửa (Ảnh: Thu Hà).",
            "Xã Tân Hòa ra mắt tổ công nghệ số - Hình 2",
            "Chia sẻ Facebook Zalo",
            "Xã Tân Hòa có 12 điểm wifi công cộng.",
            "Huyện ra mắt 30 tổ công nghệ số / Tỉnh hỗ trợ 2.000 hộ mở tài khoản",
            "Bản quyền thuộc Cổng thông tin điện tử xã Tân Hòa",
            "Điện thoại: 0123 456 789",
        ]
    )
    out = clean(text, rules)
    got = set(reasons(out).values())
    assert got >= {
        "breadcrumb",
        "menu line",
        "dateline (publication date)",
        "page tool or label",
        "view counter",
        "visit counter",
        "image placeholder",
        "image caption with photo credit",
        "image placeholder left by the page's gallery",
        "share buttons",
        "related-news links",
        "site footer",
    }
    assert body in out.text and "12 điểm wifi" in out.text
    for gone in ("117", "12.345", "08:30", "2.000 hộ", "0123"):
        assert gone not in out.text


def test_a_caption_printed_twice_goes_a_paragraph_printed_twice_stays(rules):
    caption = "Sản phẩm chè của hợp tác xã ở xã Tân Hòa được bán trên sàn thương mại điện tử."
    para = "Năm 2024, xã Tân Hòa có 85% hồ sơ được nộp trực tuyến."
    text = f"{TITLE}\n\n{caption}\n{caption}\n\n{para}\n\n{para}"
    out = clean(text, rules)
    assert caption not in out.text
    assert reasons(out)[caption] == "image caption (printed twice: alt text and caption)"
    assert out.text.count(para) == 2


@pytest.mark.parametrize(
    "line",
    [
        "Thứ năm, 12/10/2023 - 08:15",
        "08:15 | 12/10/2023",
        "Cập nhật lúc 10:05 ngày 26/04/2024",
        "Thứ Sáu, 26/04/2024, 10:05 (GMT+7)",
        "Đăng ngày 12-10-2023",
        "TT 07:20 09/09/2024",
    ],
)
def test_dateline_forms_go(rules, line):
    out = clean(f"{TITLE}\n\n{line}\n\nNgày 12/10/2023, xã ra mắt 5 tổ công nghệ số.", rules)
    assert reasons(out)[line] == "dateline (publication date)"
    assert "Ngày 12/10/2023, xã ra mắt 5 tổ" in out.text  # a sentence that starts with a date stays
