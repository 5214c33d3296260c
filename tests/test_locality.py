"""Where a figure is (cdskg.extract.locality), on our own short articles in the genres of
the dev corpus: type words in any case, party committees, a ward named with its city,
national comparisons, rankings, "respectively", the country, hamlets, and articles that
name no unit. Every figure is either placed on a unit its text supports or skipped with a
reason."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from cdskg.extract.articles import SourceArticle
from cdskg.extract.extractor import Extractor
from cdskg.extract.locality import AGENCY, HAMLET, PLACE_NAME, TOGETHER, article_snapshot
from cdskg.extract.units import COUNTRY

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def extractor():
    return Extractor(ROOT / "mappings", ROOT / "ontology", today=date(2026, 12, 1))


def extract(extractor, text: str):
    source = SourceArticle(Path("t.txt"), "t.txt", text, hashlib.sha256(text.encode()).hexdigest())
    return extractor.extract(source)


def places(extractor, record) -> dict[str, str]:
    """stated figure → the short name of its unit"""
    units = {**extractor.gazetteer.table.units, COUNTRY.iri: COUNTRY}
    return {q.stated: units[q.area].short for q in record.quantities}


def skipped(record) -> dict[str, str]:
    return {k.text: k.reason for k in record.skipped}


def test_type_word_in_capitals_names_the_district(extractor):
    r = extract(
        extractor,
        "LỤC NGẠN ĐẨY MẠNH DỊCH VỤ CÔNG TRỰC TUYẾN\n\n"
        "HUYỆN LỤC NGẠN – Năm 2023, tỷ lệ hồ sơ trực tuyến của huyện đạt 65%. "
        "Huyện có 29 tổ công nghệ số cộng đồng.",
    )
    assert r.main_locality.endswith("/district/" + r.main_locality.rsplit("/", 1)[1])
    assert set(places(extractor, r).values()) == {"Lục Ngạn"}


def test_committee_named_alone_is_the_article_s_unit(extractor):
    r = extract(
        extractor,
        "Thị xã Hương Trà sơ kết chuyển đổi số năm 2023\n\n"
        "Ban Thường vụ Thị ủy Hương Trà đã họp sơ kết. Thị ủy cho biết 100% cơ quan "
        "đã dùng chữ ký số; thị xã có 45 điểm wifi công cộng.",
    )
    assert set(places(extractor, r).values()) == {"Hương Trà"}


def test_ward_named_with_its_city_is_the_main_locality(extractor):
    r = extract(
        extractor,
        "Phường Tân Quang, thành phố Tuyên Quang hoàn thành số hóa hồ sơ\n\n"
        "Năm 2023, phường Tân Quang, thành phố Tuyên Quang đã số hóa 1.250 hồ sơ. "
        "Tại thành phố Tuyên Quang, các phường đều có tổ công nghệ số.",
    )
    unit = extractor.gazetteer.table.units[r.main_locality]
    assert (unit.level, unit.short) == ("ward", "Tân Quang")
    assert places(extractor, r)["1.250"] == "Tân Quang"


def test_national_comparison_places_each_province_and_the_country(extractor):
    r = extract(
        extractor,
        "Tỷ lệ hộ gia đình có cáp quang tại các tỉnh miền Bắc năm 2023\n\n"
        "Theo Bộ Thông tin và Truyền thông, tỷ lệ hộ gia đình có cáp quang trên cả nước "
        "đạt 82%. Bắc Giang đạt 91%; Thái Bình đạt 88%, trong khi Hà Giang còn 64%. "
        "Đứng thứ 2 là Hải Phòng với 90%.",
    )
    got = places(extractor, r)
    assert got["91%"] == "Bắc Giang" and got["88%"] == "Thái Bình"
    assert got["64%"] == "Hà Giang" and got["90%"] == "Hải Phòng"
    assert got["82%"] == "Việt Nam"
    assert [q.area for q in r.quantities if q.stated == "82%"] == [COUNTRY.iri]


def test_counts_of_provinces_are_national_but_a_rank_s_field_is_not(extractor):
    r = extract(
        extractor,
        "Bắc Giang xếp thứ 14 cả nước về chuyển đổi số năm 2023\n\n"
        "Năm 2023, tỉnh Bắc Giang xếp thứ 14 cả nước về chỉ số chuyển đổi số. "
        "Cả nước có 25 tỉnh, thành phố đã hoàn thành số hóa hồ sơ.",
    )
    got = places(extractor, r)
    assert got["14"] == "Bắc Giang"
    assert got["25"] == "Việt Nam"


def test_ranking_rows_and_respectively(extractor):
    r = extract(
        extractor,
        "Bảng xếp hạng chỉ số chuyển đổi số cấp tỉnh năm 2023\n\n"
        "Dẫn đầu là Bắc Ninh (0,6512), tiếp theo là Quảng Ninh (0,6420) và Hải Phòng (0,6301). "
        "Với 0,5511 điểm và 0,5302 điểm, Nam Định và Ninh Bình lần lượt đứng thứ 9 và 11.",
    )
    got = places(extractor, r)
    assert got["0,6512"] == "Bắc Ninh" and got["0,6420"] == "Quảng Ninh"
    assert got["0,6301"] == "Hải Phòng"
    assert got["0,5511 điểm"] == "Nam Định" and got["0,5302 điểm"] == "Ninh Bình"
    assert got["9"] == "Nam Định" and got["11"] == "Ninh Bình"


def test_figures_of_an_article_that_names_no_unit_are_skipped(extractor):
    r = extract(
        extractor,
        "Kết quả cải cách hành chính năm 2022\n\n"
        "Năm 2022, chỉ số cải cách hành chính của tỉnh đạt 88,1 điểm, tăng 2 bậc.",
    )
    assert not r.quantities
    assert skipped(r)["88,1"].startswith("no locality")
    assert r.warnings and r.main_locality is None


def test_hamlet_figures_are_not_given_to_the_commune(extractor):
    r = extract(
        extractor,
        "Xã Vĩnh Sơn kích hoạt tài khoản định danh cho người dân\n\n"
        "Năm 2025, xã Vĩnh Sơn, tỉnh Gia Lai có 72% người dân đã kích hoạt tài khoản. "
        "Riêng tại làng Kon Trú, 40 người đã được hỗ trợ.",
    )
    got = places(extractor, r)
    assert got["72%"] == "Vĩnh Sơn"
    assert skipped(r)["40"] == HAMLET


def test_numbers_in_place_names_and_agency_rankings_are_not_figures(extractor):
    r = extract(
        extractor,
        "Phường 5 thành phố Mỹ Tho ra mắt tuyến phố thanh toán số\n\n"
        "Năm 2023, Phường 5 có 80 hộ kinh doanh dùng mã QR tại các khu phố: 1, 3 và 4. "
        "Trong khối các sở, Sở Y tế đứng đầu với 812,5 điểm. "
        "Văn phòng UBND thành phố là đơn vị đứng đầu trong khối các sở với 905 điểm.",
    )
    got = places(extractor, r)
    assert got["80"] == "Phường 5"
    reasons = skipped(r)
    assert reasons["5"] == reasons["1"] == reasons["3"] == reasons["4"] == PLACE_NAME
    assert reasons["812,5"] == reasons["905"] == AGENCY
    assert all(q.value_start < r.text.index("Văn phòng") for q in r.quantities)


def test_snapshot_follows_the_dateline():
    assert article_snapshot(2025, 2026, "2025-11-04") == "2025"
    assert article_snapshot(2025, 2026, "2025-03-01") == "pre2025"
    assert article_snapshot(2026, 2026) == "2025"
    assert article_snapshot(2022, 2026) == "pre2025"


def test_post_reform_commune_is_placed_under_its_new_province(extractor):
    r = extract(
        extractor,
        "Kích hoạt định danh điện tử ở vùng cao\n\n"
        " date 2025-11-04 Đến nay, xã Vĩnh Sơn, tỉnh Gia Lai có 72,5% tài khoản đã kích hoạt.",
    )
    unit = extractor.gazetteer.table.units[next(iter(r.quantities)).area]
    assert (unit.short, unit.snapshot) == ("Vĩnh Sơn", "2025")
    assert any(d["reason"].startswith("dateline") for d in r.dropped)


def test_a_list_after_a_semicolon_keeps_its_unit(extractor):
    r = extract(
        extractor,
        "Tỉnh Bắc Giang đẩy mạnh chuyển đổi số\n\n"
        "Chủ tịch UBND xã Tân Hoa, huyện Lục Ngạn cho biết: 100% cán bộ của xã đã dùng chữ "
        "ký số; 98% hồ sơ được giải quyết đúng hạn.",
    )
    got = places(extractor, r)
    assert got["100%"] == got["98%"] == "Tân Hoa"


def test_a_comparison_s_baseline_is_not_the_subject_of_the_next_clause(extractor):
    r = extract(
        extractor,
        "Tỷ trọng kinh tế số các tỉnh năm 2023\n\n"
        "Tỉnh dẫn đầu là Bắc Ninh (40,5%) so với Hà Giang (3,5%), chênh lệch hơn 11 lần.",
    )
    got = places(extractor, r)
    assert got["40,5%"] == "Bắc Ninh" and got["3,5%"] == "Hà Giang"
    assert next(v for k, v in got.items() if k.startswith("11")) == "Bắc Ninh"  # "11 lần"


@pytest.mark.parametrize(
    ("said", "unit"),
    [
        ("tỉnh Bà Rịa-Vũng Tàu", "Bà Rịa - Vũng Tàu"),  # hyphen without spaces
        ("Bà Rịa – Vũng Tàu", "Bà Rịa - Vũng Tàu"),  # en dash
        ("BR-VT", "Bà Rịa - Vũng Tàu"),  # an alias in mentions.toml
        ("tỉnh Đắc Lắc", "Đắk Lắk"),  # another spelling
        ("TP.Hồ Chí Minh", "Hồ Chí Minh"),  # "TP." glued to the name
        ("TPHCM", "Hồ Chí Minh"),
        ("thị xã Phú Mỹ", "Phú Mỹ"),  # a town since made a city: the name within its tier
        ("Huyện ủy Lục Ngạn", "Lục Ngạn"),  # a party committee names its unit
    ],
)
def test_ways_of_writing_a_unit(extractor, said, unit):
    found = [
        p for p in extractor.localities.places(f"Năm 2023, {said} đạt 80%.", "pre2025", [], None)
    ]
    assert [p.unit.short for p in found if p.unit is not None] == [unit]


def test_the_name_as_written_wins_over_its_folded_twin(extractor):
    (place,) = extractor.localities.places("Năm 2023, thị xã Phú Mỹ đạt 80%.", "pre2025", [], None)
    assert place.unit.short == "Phú Mỹ"  # not huyện Phù Mỹ (Bình Định): "phu my" folded


def test_the_publisher_s_province_places_an_article_that_names_no_unit(extractor):
    text = (
        "Kết quả cải cách hành chính năm 2022\n\n"
        "Năm 2022, chỉ số cải cách hành chính của tỉnh đạt 88,1 điểm, tăng 2 bậc.\n\n"
        "Nguồn: Báo Lạng Sơn"
    )
    assert places(extractor, extract(extractor, text))["88,1 điểm"] == "Lạng Sơn"
    domain = text.replace("Nguồn: Báo Lạng Sơn", "Xem thêm tại baolangson.vn")
    assert places(extractor, extract(extractor, domain))["88,1 điểm"] == "Lạng Sơn"


@pytest.mark.parametrize(
    "said", ["Đoàn TNCS Hồ Chí Minh", "tư tưởng Hồ Chí Minh", "Chủ tịch Hồ Chí Minh"]
)
def test_a_province_name_that_names_a_person_is_not_a_place(extractor, said):
    assert not extractor.localities.places(f"Năm 2023, {said} được nhắc tới.", "pre2025", [], None)


def test_rows_of_a_ranking_table_take_their_own_province(extractor):
    r = extract(
        extractor,
        "Bảng xếp hạng chỉ số chuyển đổi số cấp tỉnh năm 2023\n\n"
        "Xếp hạng | Tỉnh, thành phố | Điểm\n"
        "1 | Bắc Ninh | 0,6512\n"
        "2 | Quảng Ninh | 0,6420\n"
        "3 | Hải Phòng | 0,6301\n",
    )
    got = places(extractor, r)
    assert got["0,6512"] == "Bắc Ninh" and got["0,6420"] == "Quảng Ninh"
    assert got["0,6301"] == "Hải Phòng" and got["1"] == "Bắc Ninh" and got["3"] == "Hải Phòng"
    assert not any(d["reason"] == "menu line" for d in r.dropped)


def areas_of(extractor, record, stated: str) -> list[str]:
    units = {**extractor.gazetteer.table.units, COUNTRY.iri: COUNTRY}
    return [units[q.area].short for q in record.quantities if q.stated == stated]


def test_a_rate_stated_for_a_list_of_provinces_holds_for_each(extractor):
    r = extract(
        extractor,
        "Nhiều tỉnh phủ kín tổ công nghệ số cộng đồng\n\n"
        "Tính đến tháng 5/2023, 4 địa phương gồm: Yên Bái, Phú Thọ, Tuyên Quang và Hà Giang "
        "đã đạt 100% thôn, bản có tổ công nghệ số cộng đồng.",
    )
    assert areas_of(extractor, r, "100%") == ["Yên Bái", "Phú Thọ", "Tuyên Quang", "Hà Giang"]
    # one observation each: the IRI carries the unit when one value has several
    assert len({(q.value_start, q.indicator, q.shared_by) for q in r.quantities}) == len(
        r.quantities
    )


def test_a_range_after_its_list_of_provinces_gives_each_both_bounds(extractor):
    r = extract(
        extractor,
        "Chỉ số DTI năm 2023\n\n"
        "Năm 2023, nhóm cuối bảng có giá trị DTI từ 0,41 đến 0,47 là Lai Châu, Điện Biên "
        "và Sơn La.",
    )
    for bound in ("0,41", "0,47"):
        assert areas_of(extractor, r, bound) == ["Lai Châu", "Điện Biên", "Sơn La"]


def test_a_count_stated_for_two_provinces_is_their_sum_not_each_one_s(extractor):
    r = extract(
        extractor,
        "Thương mại điện tử vùng núi\n\n"
        "Năm 2023, Cao Bằng và Bắc Kạn có 1.200 cửa hàng số. "
        "Năm 2023, Lào Cai và Yên Bái đều có 300 tổ công nghệ số cộng đồng.",
    )
    assert areas_of(extractor, r, "1.200") == []
    assert skipped(r)["1.200"] == TOGETHER
    assert areas_of(extractor, r, "300") == ["Lào Cai", "Yên Bái"]


def test_in_a_national_report_the_provinces_together_stand_for_the_country(extractor):
    r = extract(
        extractor,
        "Công bố chỉ số chuyển đổi số năm 2023\n\n"
        "Theo Bộ TT&TT, DTI quốc gia năm 2023 đạt 0,7012.\n\n"
        "Đối với cấp tỉnh, giá trị DTI bình quân năm 2023 đạt 0,6123. Cả ba trụ cột đều tăng: "
        "Chính quyền số đạt 0,6511, tăng 3,2%.\n\n"
        "Năm 2023, 30/63 địa phương đã lập 1.500 tổ công nghệ số cộng đồng mới, và chỉ số "
        "hài lòng của các địa phương đạt bình quân trên 82%.",
    )
    got = places(extractor, r)
    for stated in ("0,7012", "0,6123", "0,6511", "3,2%", "1.500", "82%"):
        assert got[stated] == "Việt Nam", stated


def test_a_sentence_about_the_country_frames_its_paragraph(extractor):
    r = extract(
        extractor,
        "Thuê bao di động thông minh\n\n"
        "Cuối năm 2022, Việt Nam đã có 85,2 triệu thuê bao smartphone. Đến tháng 6/2023, "
        "đã có thêm hơn 3 triệu thuê bao, nâng tổng số lên con số 88,4 triệu.",
    )
    got = places(extractor, r)
    assert got["3 triệu"] == "Việt Nam"
    assert got["88,4 triệu"] == "Việt Nam"


def test_in_a_province_s_article_its_localities_are_its_own_units(extractor):
    r = extract(
        extractor,
        "Tỉnh Bắc Giang: chuyển đổi số năm 2023\n\n"
        "Năm 2023, tỉnh Bắc Giang có 95% hồ sơ trực tuyến; các địa phương đạt bình quân 90%. "
        "Đây là năm thứ 3 liên tiếp tỉnh xếp vào nhóm 2.",
    )
    got = places(extractor, r)
    assert got["90%"] == "Bắc Giang"
    assert "3" not in got and "2" not in got


def test_the_source_listing_s_site_names_the_publisher_s_province(extractor, tmp_path):
    from cdskg.extract.articles import read_article, source_urls

    body = (
        "Cải cách hành chính năm 2022\n\n"
        "Năm 2022, chỉ số cải cách hành chính của tỉnh đạt 85,12 điểm, tăng 2,3 điểm.\n"
    )
    (tmp_path / "a.txt").write_text(body, encoding="utf-8")
    (tmp_path / "b.txt").write_text(body, encoding="utf-8")
    (tmp_path / "SOURCES-1.tsv").write_text(
        "file\turl\tnote\n"
        "a.txt\thttps://baoquangninh.vn/cai-cach-hanh-chinh-ha-noi-va-hai-phong-1.html\tx\n",
        encoding="utf-8",
    )
    # someone else's table with other columns is not a listing of sources
    (tmp_path / "SOURCES-2.tsv").write_text("name\tlink\nb.txt\thttps://baolaocai.vn/\n")
    source_urls.cache_clear()
    a, b = read_article(tmp_path / "a.txt"), read_article(tmp_path / "b.txt")
    assert a.url is not None and b.url is None
    # the site, not the story's slug (which names Hà Nội and Hải Phòng), is the publisher
    assert set(places(extractor, extractor.extract(a)).values()) == {"Quảng Ninh"}
    assert not extractor.extract(b).quantities


def test_a_district_merged_away_before_2025_is_still_a_place(extractor):
    """Huyện Yên Dũng joined Bắc Giang city in January 2025; the admin-unit data keeps it
    only as an alias of that city. A 2023 article naming it places its figures on the
    former district (within Bắc Giang province), not on the province."""
    r = extract(
        extractor,
        "Bắc Giang: thanh toán trực tuyến tăng mạnh\n\n"
        "Năm 2023, tỷ lệ hồ sơ có thanh toán trực tuyến của tỉnh Bắc Giang đạt 30%. "
        "Huyện Yên Dũng dẫn đầu với 38% hồ sơ có thanh toán trực tuyến.",
    )
    area = {q.stated: q.area for q in r.quantities}
    assert "/former/district/" in area["38%"]
    unit = r.places[area["38%"]]
    assert unit.name == "Huyện Yên Dũng"
    province = extractor.gazetteer.ancestor_at(unit, "province")
    assert province is not None and province.short == "Bắc Giang"
    assert "/province/" in area["30%"]


def test_a_district_upgraded_under_its_own_name_is_no_former_district(extractor):
    """ "thị xã Bến Cát" is today's Thành phố Bến Cát under its old type word: one unit, not
    a former district beside it (which would make the name ambiguous)."""
    r = extract(
        extractor,
        "Xã An Tây triển khai chuyển đổi số\n\n"
        "Tính đến ngày 30-6-2023, xã An Tây (thị xã Bến Cát) có 1.234 tài khoản định danh "
        "điện tử được kích hoạt.",
    )
    assert set(places(extractor, r).values()) == {"An Tây"}
    assert "/former/" not in r.quantities[0].area


def test_names_listed_after_one_type_word_are_of_that_type(extractor):
    """ "hai xã Hiệp Thạnh và Hiệp An", "các xã Hiệp Thạnh, Hiệp An và Liên Hiệp": one type
    word for the list; a rate stated for the list holds for each."""
    r = extract(
        extractor,
        "Huyện Đức Trọng đẩy mạnh dịch vụ công trực tuyến\n\n"
        "Năm 2023, huyện Đức Trọng có hai xã Hiệp Thạnh và Hiệp An đạt 100% hồ sơ trực tuyến. "
        "Các xã Tân Hội, Tân Thành và Liên Hiệp đạt trên 90% hồ sơ trực tuyến.",
    )
    units = {**extractor.gazetteer.table.units}
    got = sorted((q.stated, units[q.area].short) for q in r.quantities)
    assert got == [
        ("100%", "Hiệp An"), ("100%", "Hiệp Thạnh"),
        ("90%", "Liên Hiệp"), ("90%", "Tân Hội"), ("90%", "Tân Thành"),
    ]  # fmt: skip
    for q in r.quantities:  # all of them in Đức Trọng
        assert extractor.gazetteer.ancestor_at(units[q.area], "district").short == "Đức Trọng"
