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
