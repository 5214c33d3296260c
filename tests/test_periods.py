import hashlib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdskg.extract.articles import SourceArticle
from cdskg.extract.periods import context_year, find_periods, published_on, published_year


@given(st.integers(1, 28), st.integers(1, 12), st.integers(2000, 2030))
def test_full_date_round_trip(d, m, y):
    found = find_periods(f"tính đến ngày {d}-{m}-{y}, có 5 hộ", 2023)
    assert found[0].period.start == f"{y}-{m:02d}-{d:02d}"


@given(st.text(max_size=60))
def test_hostile_text_never_crashes(text):
    for p in find_periods(text, 2023):
        assert p.period.end is None or p.period.start <= p.period.end


def test_forms():
    def one(t):
        return find_periods(t, 2023)[0].period

    assert (one("6 tháng đầu năm").start, one("6 tháng đầu năm").end) == (
        "2023-01-01",
        "2023-06-30",
    )
    assert one("quý III-2023").end == "2023-09-30"
    assert one("năm học 2022-2023").start == "2022-09-01"
    assert one("giai đoạn 2022-2025").end == "2025-12-31"
    assert one("từ tháng 6-2023").start == "2023-06-01"
    assert one("tính đến ngày 23-7").start == "2023-07-23"
    assert context_year("trước năm 2025, ngày 30/9/2024", 2026) == 2024


def test_as_of_and_range_kinds():
    (as_of,) = find_periods("tính đến 30/5/2023, tỷ lệ", 2023)
    assert (as_of.kind, as_of.period.start, as_of.period.end) == ("as-of", "2023-05-30", None)
    (as_of,) = find_periods("Tính đến 30-5-2023, có", 2023)
    assert as_of.kind == "as-of"
    (rng,) = find_periods("Từ ngày 15-6-2023 đến ngày 5-8-2023 (51 ngày)", 2023)
    assert (rng.kind, rng.period.start, rng.period.end) == ("range", "2023-06-15", "2023-08-05")
    # a deadline is a date, not an "as of"
    (deadline,) = find_periods("dự kiến đến 30-6-2023 hoàn thành", 2023)
    assert deadline.kind == "date"


def test_dates_in_every_written_form():
    def read(text):
        return [(p.period.start, p.period.end, p.kind) for p in find_periods(text, 2024)]

    assert read("ngày 15 tháng 3 năm 2023, xã đạt 5%") == [("2023-03-15", None, "date")]
    assert read("tính đến ngày 15 tháng 3 năm 2023") == [("2023-03-15", None, "as-of")]
    assert read("ngày 22.4, huyện") == [("2024-04-22", None, "date")]
    assert read("tháng 3 năm 2023 có") == [("2023-03-01", "2023-03-31", "month")]
    assert read("quý I/2024") == [("2024-01-01", "2024-03-31", "quarter")]
    assert read("9 tháng đầu năm 2023") == [("2023-01-01", "2023-09-30", "half")]
    assert read("6 tháng cuối năm") == [("2024-07-01", "2024-12-31", "half")]
    # "15 tháng" alone is a duration, not a date
    assert read("trong 15 tháng qua") == []


@pytest.mark.parametrize(
    ("datelines", "url", "year"),
    [
        (["Cập nhật: 03/08/2022 09:29:00"], None, 2022),
        (["\n date 2025-11-04 "], "https://example.vn/tin-post571142.html", 2025),
        (["\n date 2022-08 "], None, 2022),
        ([], "https://tinhot.example/2023/06/05/den-tung-nha", 2023),
        ([], "https://baolamdong.example/xahoi/202104/da-huoai-ty-le", 2021),
        ([], "https://dantri.example/khoa-hoc/ha-noi-dan-dau-202510211818.htm", 2025),
        ([], "https://vgt.example/viet-nam-hien-co-935-trieu-20220329i63.html", 2022),
        ([], "https://baogialai.example/di-tat-don-dau-post579671.amp", None),
        ([], "https://daidoanket.example/thanh-hoa-tang-3-bac-10228", None),
        ([], None, None),
    ],
)
def test_the_publication_year_from_the_dateline_or_the_address(datelines, url, year):
    assert published_year(datelines, url, 2026) == year


def test_the_article_year_is_never_after_its_publication_nor_a_target_or_a_baseline():
    text = (
        "Năm 2024, tỷ lệ hồ sơ trực tuyến đạt 68%, tăng 5% so với cùng kỳ năm 2023. "
        "Năm 2025, huyện phấn đấu đạt 80%."
    )
    assert context_year(text, 2026) == 2024  # "năm 2025, huyện phấn đấu": a target's year
    assert context_year("Tỷ lệ đạt 90%, tăng so với năm 2021.", 2026, published=2022) == 2022
    assert context_year("Tỷ lệ hồ sơ trực tuyến đạt 90%.", 2026, published=2023) == 2023
    assert context_year("Tỷ lệ hồ sơ trực tuyến đạt 90%.", 2026) == 2026
    assert context_year("Ngày 5/1/2025, tỉnh tổng kết năm 2024.", 2026, published=2024) == 2024


def test_a_range_that_ends_with_a_month_and_the_day_of_publication():
    (r,) = find_periods("Tính từ ngày 1/7 đến cuối tháng 10/2025, trung tâm đã tiếp nhận", 2025)
    assert (r.kind, r.period.start, r.period.end) == ("range", "2025-07-01", "2025-10-31")
    (q,) = find_periods("Đến hết quý III/2024, xã đã giải quyết", 2024)
    assert (q.kind, q.period.start, q.period.end) == ("as-of", "2024-09-30", None)
    (m,) = find_periods("Tính đến cuối tháng 6/2023, toàn huyện có", 2023)
    assert (m.kind, m.period.start) == ("as-of", "2023-06-30")
    (y,) = find_periods("Đến hết năm 2023, toàn tỉnh có", 2023)
    assert (y.kind, y.period.start, y.period.end) == ("year", "2023-01-01", "2023-12-31")
    assert published_on(["Cập nhật: 03/08/2022 09:29:00"], None, 2026) == "2022-08-03"
    assert published_on([" date 2025-11-04 "], None, 2026) == "2025-11-04"
    assert published_on([], "https://baolamdong.example/xahoi/202104/da-huoai", 2026) == (
        "2021-04-01"
    )


def test_a_report_s_period_frames_the_paragraphs_after_it_and_the_present_is_the_day_published():
    """A sentence with no figure that opens a report ("trong giai đoạn từ 1/7 đến 26/11/2025
    …") gives its period to the paragraphs after it; "hiện có" is as of the day the article
    was published; a period stated later ends the frame."""
    from cdskg.extract.extractor import Extractor

    root = Path(__file__).resolve().parents[1]
    extractor = Extractor(root / "mappings", root / "ontology", today=date(2026, 12, 1))
    text = (
        "Xã Tân Hòa nâng chất lượng phục vụ hành chính công\n\n"
        "Cập nhật: 02/12/2025 10:15\n\n"
        "Theo báo cáo của xã Tân Hòa, tỉnh Đồng Tháp trong giai đoạn từ 1/7 đến 26/11/2025, "
        "bộ phận một cửa của xã đã có nhiều chuyển biến.\n\n"
        "Bộ phận một cửa đã tiếp nhận 4.210 hồ sơ, trong đó 3.980 hồ sơ trực tuyến.\n\n"
        "Xã hiện có 45 tổ công nghệ số cộng đồng.\n\n"
        "Năm 2024, tỷ lệ hồ sơ trực tuyến của xã đạt 61%."
    )
    source = SourceArticle(Path("t.txt"), "t.txt", text, hashlib.sha256(text.encode()).hexdigest())
    periods = {
        q.stated: (q.period.start, q.period.end, q.period.basis)
        for q in extractor.extract(source).quantities
    }
    assert periods["4.210"] == ("2025-07-01", "2025-11-26", "carried")
    assert periods["3.980"] == ("2025-07-01", "2025-11-26", "carried")
    assert periods["45"] == ("2025-12-02", None, "publication")
    assert periods["61%"] == ("2024-01-01", "2024-12-31", "stated")


def test_first_months_of_a_year_as_reports_write_them():
    # "9 tháng năm 2024": the first nine months, as "9 tháng đầu năm 2024"
    for text in ("9 tháng năm 2024, tỷ lệ đạt 68%", "9 tháng đầu năm 2024, tỷ lệ đạt 68%"):
        p = find_periods(text, 2023)[0].period
        assert (p.start, p.end) == ("2024-01-01", "2024-09-30")
    assert find_periods("6 tháng cuối năm, đạt 5", 2023)[0].period.start == "2023-07-01"
    # a figure with a decimal before "tháng" is no count of months
    assert not any(p.kind == "half" for p in find_periods("tăng 2,5 tháng năm 2024", 2023))


def test_since_a_day_until_the_article_was_written():
    text = "Từ ngày 1/7/2025 đến nay, xã đã tiếp nhận 4.512 hồ sơ"
    p = find_periods(text, 2025, "2025-11-10")[0].period
    assert (p.start, p.end) == ("2025-07-01", "2025-11-10")
    # with no publication day the start is all the text says
    assert find_periods(text, 2025)[0].period == find_periods("ngày 1/7/2025", 2025)[0].period
    # a start after the day written is not a period
    assert all(p.period.end != "2025-06-01" for p in find_periods(text, 2025, "2025-06-01"))


def test_the_year_a_report_is_of_beats_the_year_it_was_written():
    # an index published the year after the one it measures, and a review early in a year
    text = (
        "Ngày 21/10/2025, tại Chương trình Ngày Chuyển đổi số Quốc gia năm 2025, Bộ công bố "
        "kết quả Chỉ số chuyển đổi số (DTI) năm 2024 của các tỉnh."
    )
    assert context_year(text, 2026, published=2025) == 2024
    text = "Ngày 15/01/2026, xã họp đánh giá tình hình hoạt động năm 2025 và nhiệm vụ năm 2026."
    assert context_year(text, 2026) == 2025
    # what is compared with or aimed at is not what is reported on
    assert context_year("Ngày 3/8/2022, kết quả tăng so với cùng kỳ năm 2021.", 2026) == 2022
    assert context_year("Ngày 3/8/2022, báo cáo nêu mục tiêu đến năm 2025.", 2026) == 2022
    # an abbreviation that names no index says nothing of the year
    assert context_year("Ngày 29/3/2022, theo Cục (Bộ TT&TT), cuối năm 2021 …", 2026) == 2022


def test_as_of_a_year_is_that_year():
    # "đến năm 2025" alone is a target's year; "tính đến năm 2023" reports on 2023
    p = find_periods("Tính đến năm 2023, toàn tỉnh có khoảng 68.000 doanh nghiệp", 2024)[0]
    assert (p.period.start, p.period.end) == ("2023-01-01", "2023-12-31")
    assert not find_periods("phấn đấu đến năm 2025 đạt 80%", 2024)


def test_a_month_or_a_quarter_dates_an_article_too():
    assert context_year("Đến tháng 10/2024, ứng dụng có 1,5 triệu lượt tải.", 2026) == 2024
    assert context_year("Hết quý III/2023, toàn tỉnh có 52 tổ công nghệ số.", 2026) == 2023


def test_since_the_two_tier_local_government_began():
    # the reform's local government started on 1 July 2025
    text = "Sau hơn 3 tháng vận hành mô hình chính quyền địa phương hai cấp, phường đã tiếp nhận"
    p = find_periods(text, 2025, "2025-10-10")[0].period
    assert (p.start, p.end) == ("2025-07-01", "2025-10-10")
    assert not find_periods(text, 2025)  # no day written: nothing to end it


def test_a_quarter_or_a_month_without_a_year_is_of_the_article_s_year():
    def one(text):
        return [(p.kind, p.period.start, p.period.end) for p in find_periods(text, 2024)]

    assert one("Trong quý I, xã tiếp nhận 120 hồ sơ") == [("quarter", "2024-01-01", "2024-03-31")]
    assert one("trong tháng 6, huyện có 50 hồ sơ") == [("month", "2024-06-01", "2024-06-30")]
    assert one("đến hết tháng 10, đạt 90%") == [("as-of", "2024-10-31", None)]
    assert one("sau 6 tháng 3 xã đạt chuẩn") == []  # "6 tháng" is a duration
    assert one("quý III/2023") == [("quarter", "2023-07-01", "2023-09-30")]


def test_a_quarter_in_roman_numerals_needs_no_digit():
    # "Trong quý I, …" opens a report whose figures come in the sentences after it
    p = find_periods("Trong quý I, toàn xã đạt nhiều kết quả.", 2024)[0].period
    assert (p.start, p.end) == ("2024-01-01", "2024-03-31")
