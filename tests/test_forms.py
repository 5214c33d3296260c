"""Written forms of figures (cdskg.extract.forms and the extractor's reading of them), on our
own short paragraphs in the genres of the dev corpus: verbal ranks, a full score stated for a
list of rates, a fronted predicate whose subject comes after it, densities per 1,000
people. Each test states what the text says and what must come out."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cdskg.extract.articles import SourceArticle
from cdskg.extract.extractor import Extractor
from cdskg.extract.units import COUNTRY

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def extractor():
    return Extractor(ROOT / "mappings", ROOT / "ontology", today=date(2026, 12, 1))


def extract(extractor, text: str):
    source = SourceArticle(Path("t.txt"), "t.txt", text, hashlib.sha256(text.encode()).hexdigest())
    return extractor.extract(source)


def facts(extractor, record) -> list[tuple[str, Decimal, str, str]]:
    """(stated, value, unit's short name, kind) of each quantity, in order"""
    units = {**extractor.gazetteer.table.units, COUNTRY.iri: COUNTRY}
    return [(q.stated, q.value, units[q.area].short, q.kind) for q in record.quantities]


def test_a_fronted_predicate_is_about_the_unit_named_after_its_comma(extractor):
    r = extract(
        extractor,
        "Học bạ số ở bậc tiểu học\n\n"
        "Là địa phương dẫn đầu toàn quốc về triển khai học bạ số cấp tiểu học, Đà Nẵng đã "
        "thí điểm từ tháng 9/2023.",
    )
    assert facts(extractor, r) == [("dẫn đầu", Decimal(1), "Đà Nẵng", "rank")]


def test_the_first_province_of_the_country_to_do_something_is_ranked_first(extractor):
    r = extract(
        extractor,
        "Cấp căn cước cho người dân\n\n"
        "Ngày 10/5/2023, Bắc Ninh là tỉnh đầu tiên cả nước hoàn thành cấp căn cước cho "
        "người dân trong độ tuổi.",
    )
    assert [(s, v, u) for s, v, u, _ in facts(extractor, r)] == [
        ("đầu tiên cả nước", Decimal(1), "Bắc Ninh")
    ]


def test_a_full_score_for_a_list_of_rates_holds_for_each_rate(extractor):
    r = extract(
        extractor,
        "Phường Tân An, thành phố Cần Thơ: dịch vụ công năm 2023\n\n"
        "Năm 2023, phường Tân An đạt tuyệt đối về tỷ lệ hồ sơ trực tuyến toàn trình và "
        "tỷ lệ thanh toán trực tuyến.",
    )
    got = [q for q in r.quantities if q.kind == "percentage"]
    assert [q.value for q in got] == [Decimal(100), Decimal(100)]
    assert len({q.indicator for q in got}) == 2


def test_a_density_per_thousand_people_is_per_mille_not_a_count(extractor):
    r = extract(
        extractor,
        "Tỉnh Vĩnh Long: kế hoạch kinh tế số năm 2025\n\n"
        "Năm 2025, tỉnh Vĩnh Long phấn đấu đạt tỷ lệ doanh nghiệp công nghệ số trên "
        "0,9/1.000 dân.",
    )
    (q,) = r.quantities
    assert (q.value, q.denominator, q.kind) == (Decimal("0.9"), Decimal(1000), "density")
    assert q.unit == "http://qudt.org/vocab/unit/PERMILLE"
    assert q.indicator == "digital-tech-enterprise-density"


def test_a_rank_for_a_long_list_of_pillars_reaches_the_list_s_last_item(extractor):
    r = extract(
        extractor,
        "Chỉ số chuyển đổi số năm 2023\n\n"
        "Năm 2023, Quảng Ninh là địa phương đứng đầu về 4 chỉ số chính gồm Nhận thức số, "
        "Thể chế số, Hoạt động Kinh tế số và Hoạt động Xã hội số.",
    )
    assert {q.indicator for q in r.quantities if q.kind == "rank"} == {
        "dti-awareness-rank",
        "dti-institutions-rank",
        "dti-economy-activity-rank",
        "dti-society-activity-rank",
    }


def test_dollars_a_fraction_of_times_and_a_counter_line(extractor):
    """ "16,4 tỷ USD" is money in dollars (kept unclassified: no indicator of ours counts
    dollars), "tăng gấp 1,5 lần" a multiple, and a portal's visit counter line no figure."""
    text = (
        "Thương mại điện tử cả nước năm 2022\n\n"
        "Năm 2022, doanh thu thương mại điện tử bán lẻ của cả nước đạt khoảng 16,4 tỷ USD, "
        "số thuê bao băng rộng di động tăng gấp 1,5 lần so với năm 2020.\n\n"
        "Hôm nay: 125 | Hôm qua: 340 | Tổng: 1.245.677"
    )
    source = SourceArticle(Path("t.txt"), "t.txt", text, hashlib.sha256(text.encode()).hexdigest())
    found = [
        (q.stated, q.kind, q.unit.rsplit("/", 1)[-1]) for q in extractor.extract(source).quantities
    ]
    assert found == [("16,4 tỷ USD", "money", "USD"), ("1,5 lần", "multiple", "UNITLESS")]


@pytest.mark.parametrize(
    ("dateline", "provinces", "field"),
    [
        ("Ngày 12/3/2024", "Cà Mau", 63),
        ("Ngày 12/3/2026", "Cà Mau", 34),
        # a province merged away in 2025 says the ranking is of the 63
        ("Ngày 12/3/2026", "Hậu Giang", 63),
    ],
)
def test_the_last_place_of_a_ranking_of_provinces_is_the_number_of_provinces(
    extractor, dateline, provinces, field
):
    """ "đứng cuối bảng" with no "/63" nor "63 tỉnh" in the article is last of the country's
    provinces: 63 before the 2025 reform, 34 after."""
    r = extract(
        extractor,
        "Tỷ lệ người dân dùng điện thoại thông minh\n\n"
        f"{dateline}, tỷ lệ dùng điện thoại thông minh của các tỉnh được công bố; tỉnh Điện "
        f"Biên đứng đầu cả nước, tỉnh {provinces} đứng cuối bảng.",
    )
    ranks = [(q.stated, q.value) for q in r.quantities if q.kind == "rank"]
    assert ranks == [("đứng đầu", Decimal(1)), ("đứng cuối bảng", Decimal(field))]


def test_percentage_points_and_the_growth_of_e_commerce_revenue(extractor):
    """ "tăng 1,5 điểm phần trăm" is a change of the share before it in percentage points,
    not a score of 1,5; e-commerce revenue and its growth have concepts of their own."""
    r = extract(
        extractor,
        "Kinh tế số tỉnh Tây Ninh năm 2024\n\n"
        "Năm 2024, tỷ trọng kinh tế số trong GRDP của tỉnh Tây Ninh đạt 11,2%, tăng 1,5 điểm "
        "phần trăm so với năm 2023. Doanh thu thương mại điện tử đạt 2.140 tỷ đồng, tăng 21,3%.",
    )
    assert [(q.stated, q.kind, q.role, q.indicator) for q in r.quantities] == [
        ("11,2%", "percentage", "actual", "digital-economy-grdp-share"),
        ("1,5 điểm phần trăm", "percentage", "change", "digital-economy-grdp-share"),
        ("2.140 tỷ đồng", "money", "actual", "ecommerce-revenue"),
        ("21,3%", "percentage", "change", "ecommerce-revenue-growth-rate"),
    ]


def test_a_rank_named_by_its_score_and_a_ranking_of_departments(extractor):
    """ "xếp thứ nhất với 0,7125 điểm" in a ranking of districts: the rank of what the score
    after it scores; "Về cấp sở, ngành, Sở Tư pháp dẫn đầu" ranks departments, no locality:
    reported as skipped, never put on the province."""
    r = extract(
        extractor,
        "Chỉ số chuyển đổi số cấp huyện năm 2024 của tỉnh Quảng Ngãi\n\n"
        "Theo đó, thành phố Quảng Ngãi xếp thứ nhất với 0,7125 điểm; huyện Bình Sơn xếp thứ 2 "
        "với 0,6540 điểm. Về cấp sở, ngành, Sở Tư pháp dẫn đầu với 0,8012 điểm.",
    )
    assert [(q.stated, q.indicator) for q in r.quantities] == [
        ("xếp thứ nhất", "local-dti-rank"),
        ("0,7125 điểm", "local-dti-score"),
        ("2", "local-dti-rank"),
        ("0,6540 điểm", "local-dti-score"),
    ]
    assert {s.text for s in r.skipped if "agencies" in s.reason} == {"dẫn đầu", "0,8012"}
