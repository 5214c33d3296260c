"""Our own genre paragraphs (tests/paragraphs/) about other localities, with page furniture."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cdskg.extract.articles import read_article
from cdskg.extract.extractor import Extractor

ROOT = Path(__file__).resolve().parents[1]
PARAS = Path(__file__).resolve().parent / "paragraphs"


@pytest.fixture(scope="module")
def records():
    ex = Extractor(ROOT / "mappings", ROOT / "ontology")
    return {p.stem: ex.extract(read_article(p)) for p in sorted(PARAS.glob("*.txt"))}


def figures(record):
    return {(q.stated, q.indicator) for q in record.quantities}


def test_commune(records):
    r = records["01_xa_commune"]
    assert "/ward/" in r.main_locality  # a commune is a ward-level unit
    assert ("72,5%", "online-dossier-rate") in figures(r)
    target = next(q for q in r.quantities if q.stated == "80%")
    assert target.role == "target"
    ratio = next(q for q in r.quantities if q.stated == "12/12")
    assert (ratio.numerator, ratio.denominator) == (Decimal(12), Decimal(12))
    assert {d["reason"] for d in r.dropped} >= {
        "view counter",
        "related-content box after the article",
    }
    assert not any("3-1" in q.stated for q in r.quantities)
    people = [m for m in r.mentions if m.kind == "person"]
    assert [(m.name, m.post) for m in people] == [("Trần Thị Mai", "Phó Chủ tịch")]
    doc = next(m for m in r.mentions if m.kind == "document")
    assert (doc.identifier, doc.date) == ("45/KH-UBND", "2024-03-10")


def test_town(records):
    r = records["02_thixa_town"]
    assert r.authors == ["HOÀNG ANH"]
    change = next(q for q in r.quantities if q.stated == "15%")
    assert change.role == "change" and change.period.start == "2023-06-30"
    money = next(q for q in r.quantities if q.stated == "9,5 tỷ đồng")
    assert money.value == Decimal("9500000000") and money.unit.endswith("currency/VND")
    rate = next(q for q in r.quantities if q.stated == "91,2%")
    assert rate.indicator == "eid-activation-target-rate"
    assert all(s.text != "2022" or s.reason == "a year" for s in r.skipped)


def test_province_after_merger(records):
    r = records["03_tinh_after_merger"]
    assert "/2025/province/" in r.main_locality
    assert r.publisher == "Báo Tuyên Quang"
    half = next(q for q in r.quantities if q.stated == "68,4%")
    assert (half.period.start, half.period.end) == ("2025-07-01", "2025-12-31")
    rank = next(q for q in r.quantities if q.kind == "rank")
    assert rank.value == 12
    score = next(q for q in r.quantities if q.kind == "score")
    assert (score.value, score.denominator) == (Decimal("85.6"), Decimal(100))
    assert not any(q.value == 2030 for q in r.quantities)
    assert next(q for q in r.quantities if q.stated == "90%").role == "target"


def test_district_with_noise(records):
    r = records["04_huyen_district"]
    assert "/district/" in r.main_locality
    assert r.publisher == "Báo Xây dựng"
    rate = next(q for q in r.quantities if q.stated == "78,67%")
    assert (rate.numerator, rate.denominator) == (Decimal(118000), Decimal(150000))
    assert rate.area == r.main_locality  # "(tỉnh Sơn La)" names the parent only
    reasons = {s.text: s.reason for s in r.skipped}
    assert reasons["45"] == "an age" and reasons["12"] == "part of an address"
    assert "model name" in reasons["4.0"]
    assert any(m.identifier == "749/QĐ-TTg" for m in r.mentions)
    assert not any("2024" in q.stated for q in r.quantities)


def test_ward_with_caption(records):
    r = records["05_phuong_ward"]
    assert r.authors == ["Lê Minh"]
    assert "image caption with photo credit" in {d["reason"] for d in r.dropped}
    scoped = next(q for q in r.quantities if q.stated == "gần 40%"[4:])
    assert scoped.scope == "ward-level" and scoped.qualifier == "approximately"
    platforms = {m.name for m in r.mentions if m.kind == "platform"}
    assert {"VNeID", "Cần Thơ Smart"} <= platforms


def test_evidence_is_exact(records):
    for r in records.values():
        for q in r.quantities:
            assert q.evidence.exact == r.text[q.evidence.start : q.evidence.end]
            assert r.text[q.value_start : q.value_end] == q.stated


def _stated(record, stated):
    return next(q for q in record.quantities if q.stated == stated)


def test_period_carries_within_the_paragraph(records):
    r = records["06_huyen_carry_breakdown"]
    first = _stated(r, "55,4%")
    assert (first.period.start, first.period.basis) == ("2023-10-31", "stated")
    # the next sentence of the paragraph states no period: "tính đến ngày 31/10/2023" carries
    for stated in ("70%", "88,5%", "76,2%"):
        q = _stated(r, stated)
        assert (q.period.start, q.period.end, q.period.basis) == ("2023-10-31", None, "carried")
    # "hiện có" speaks of the present: the carried date stops there
    wifi = _stated(r, "15")  # "15 điểm wifi": places, not points
    assert (wifi.period.start, wifi.period.basis) == ("2023-01-01", "article-context")
    # a campaign range carries to "Đồng thời, …"
    for stated in ("18.300", "85,3%"):
        q = _stated(r, stated)
        assert (q.period.start, q.period.end, q.period.basis) == (
            "2023-07-01",
            "2023-08-31",
            "carried",
        )
    # a new paragraph starts with nothing carried
    assert _stated(r, "12/12").period.basis == "article-context"


def test_three_online_rates_are_told_apart_by_breakdown(records):
    r = records["06_huyen_carry_breakdown"]
    rates = {q.stated: (q.indicator, q.scope) for q in r.quantities if q.unit.endswith("PERCENT")}
    # the district's own procedures ("thuộc thẩm quyền của UBND huyện"), levels 3 and 4
    assert rates["55,4%"] == ("online-dossier-rate-partial", "district-level")
    assert rates["91,6%"] == ("online-dossier-rate-full", "district-level")
    assert rates["70%"] == ("online-dossier-rate", "district-level")
    assert rates["88,5%"] == ("online-dossier-rate", "commune-average")
    assert rates["76,2%"] == ("online-dossier-rate", None)  # "toàn huyện": the whole district


def test_scope_of_one_family_does_not_leak_into_another(records):
    r = records["06_huyen_carry_breakdown"]
    assert _stated(r, "21.450").scope is None
    assert _stated(r, "12/12").scope is None


def test_organisation_names_are_whole(records):
    r = records["06_huyen_carry_breakdown"]
    orgs = [m.name for m in r.mentions if m.kind == "organisation"]
    assert orgs == [
        "UBND huyện Đức Trọng",
        "Bộ Y tế",  # not "Bộ Y"
        "Ban Thường vụ Huyện ủy",  # not "Ban Thường vụ Huyện"
        "Trung tâm Giám sát, điều hành thông minh huyện Đức Trọng",  # not "Trung tâm Giám"
        "HĐND TP. Đà Lạt",  # not "HĐND TP"
    ]
    for m in r.mentions:
        assert m.evidence.exact == r.text[m.evidence.start : m.evidence.end]


def test_sentence_words_after_a_head_are_no_organisation():
    ex = Extractor(ROOT / "mappings", ROOT / "ontology")
    assert ex.mentions._trim_org("Trung tâm tập trung nguồn lực") == "Trung tâm"
    assert ex.mentions._trim_org("VNPT Cần Thơ hoàn") == "VNPT Cần Thơ"
    trim = ex.mentions._trim_org
    assert trim("Ban Thường vụ Tỉnh ủy Bình Phước về") == "Ban Thường vụ Tỉnh ủy Bình Phước"
    assert ex.mentions._trim_org("Sở Nội vụ") == "Sở Nội vụ"


def test_a_platform_named_in_quotes_is_a_platform(tmp_path):
    """A platform no list knows, named in quotes after a word of its kind."""
    r = extract_text(
        tmp_path,
        "Huyện Đức Trọng ra mắt nền tảng số\n\n"
        "Năm 2024, huyện Đức Trọng đưa vào vận hành nền tảng “Đức Trọng số” và ứng dụng "
        '"Công dân Đức Trọng" với 12.000 người dùng; mô hình "Chợ 4.0" có 3 chợ.\n',
    )
    platforms = {m.name: r.text[m.evidence.start : m.evidence.end] for m in r.mentions
                 if m.kind == "platform"}  # fmt: skip
    assert platforms == {"Đức Trọng số": "Đức Trọng số", "Công dân Đức Trọng": "Công dân Đức Trọng"}


def test_a_document_number_holds_no_organisation(tmp_path):
    """ "Kế hoạch số 125/KH-UBND của UBND tỉnh": the "UBND" of the number opens no name."""
    r = extract_text(
        tmp_path,
        "Huyện Đức Trọng triển khai kế hoạch\n\n"
        "Ngày 5/3/2024, UBND huyện Đức Trọng ban hành Kế hoạch số 125/KH-UBND của UBND huyện "
        "về chuyển đổi số.\n",
    )
    orgs = {m.name for m in r.mentions if m.kind == "organisation"}
    assert "UBND huyện Đức Trọng" in orgs
    assert not any(o.startswith("UBND của") for o in orgs)
    assert {m.identifier for m in r.mentions if m.kind == "document"} == {"125/KH-UBND"}


def test_image_captions_dropped_with_their_reason(records):
    r = records["06_huyen_carry_breakdown"]
    dropped = {d["reason"] for d in r.dropped}
    assert dropped >= {
        "the title repeated above an image",
        "image caption under the repeated title",
        "image caption (a one-sentence paragraph saying who is pictured doing what)",
    }
    assert "Lãnh đạo huyện Đức Trọng kiểm tra" not in r.text
    assert "Người dân xã Hiệp Thạnh được cán bộ hướng dẫn" not in r.text
    assert "Người dân đánh giá cao sự thay đổi này." in r.text
    assert "Kết quả bước đầu" in r.text


def test_slash_dates_are_reported_as_skipped(records):
    r = records["06_huyen_carry_breakdown"]
    skipped = {(k.text, k.reason) for k in r.skipped}
    assert ("31/10/2023", "part of a date") in skipped
    assert ("15/12/2023", "part of a date") in skipped
    for k in r.skipped:  # once each, at its place in the text
        assert r.text[k.start : k.start + len(k.text)] == k.text
    assert len([k for k in r.skipped if k.text == "31/10/2023"]) == 1
    assert not any("31/10" in q.stated for q in r.quantities)


def test_family_scope_stops_at_a_named_unit_and_after_the_next_sentence(tmp_path):
    text = (
        "Huyện Đức Trọng nâng tỷ lệ hồ sơ trực tuyến\n\n"
        "Năm 2023, tỷ lệ hồ sơ trực tuyến bình quân các xã của huyện Đức Trọng đạt 80,5%. "
        "Tỷ lệ hồ sơ trực tuyến của xã Hiệp Thạnh đạt 91,2%. "
        "Huyện có 25 điểm wifi công cộng. "
        "Tỷ lệ hồ sơ trực tuyến đạt 70,4%.\n"
    )
    r = extract_text(tmp_path, text)
    scopes = {q.stated: q.scope for q in r.quantities}
    assert scopes["80,5%"] == "commune-average"
    assert scopes["91,2%"] is None  # names its own unit: that unit as a whole
    assert scopes["70,4%"] is None  # two sentences on: the average no longer holds


def test_counts_after_trong_are_the_whole(records):
    """ "trong 36 chỉ tiêu và 52 nhiệm vụ": the wholes that the counts after them are parts
    of, read as "tổng số chỉ tiêu" and "tổng số nhiệm vụ"."""
    r = records["07_huyen_totals"]
    assert r.main_locality.endswith("/district/122")
    assert figures(r) == {
        ("36", "targets-total"),
        ("52", "tasks-total"),
        ("20", "targets-completed"),
        ("31", "tasks-in-progress"),
        ("15", "essential-public-services"),
    }


def test_count_of_these_services_takes_the_earlier_phrase(records):
    """ "15 dịch vụ công này" ("these 15 public services") is the count of the phrase named
    earlier in the sentence ("dịch vụ công thiết yếu"), not of "thủ tục hành chính"."""
    r = records["07_huyen_totals"]
    fifteen = [q.indicator for q in r.quantities if q.stated == "15"]
    assert fifteen == ["essential-public-services", "essential-public-services"]


def test_post_in_the_committee_of_the_article_locality(records):
    """ "Chủ tịch UBND phường" in an article about a ward is the chair of that ward's
    committee; an unnamed committee of another level is left unnamed."""
    r = records["08_phuong_post"]
    assert r.main_locality.endswith("/ward/05446")
    people = {m.name: (m.post, m.organisation) for m in r.mentions if m.kind == "person"}
    assert people == {
        "Đặng Văn Tâm": ("Chủ tịch", "UBND phường Quang Trung"),
        "Lưu Thị Hà": ("Phó Chủ tịch", "UBND"),
    }


def test_forms_of_figures(records):
    r = records["10_tinh_ranks_ranges"]
    by = {q.stated: q for q in r.quantities}
    rank = by["9/63"]
    assert rank.kind == "rank" and rank.denominator == Decimal(63)
    assert rank.period.start == "2024-05-12"  # "ngày 12 tháng 5 năm 2024", not the year
    change = by["4 bậc"]
    assert (change.kind, change.role, change.value) == ("rank", "change", Decimal(4))
    first = by["dẫn đầu"]
    assert (first.kind, first.value) == ("rank", Decimal(1))
    second = by["đứng thứ hai"]
    assert (second.kind, second.value) == ("rank", Decimal(2))
    low, high = by["70"], by["90%"]
    assert (low.qualifier, high.qualifier) == ("at-least", "at-most")
    assert low.unit == high.unit and low.indicator == high.indicator
    assert low.role == high.role == "target"
    times = by["3 lần"]
    assert (times.kind, times.value) == ("multiple", Decimal(3))
    assert not any(s.text in ("12", "5") and s.reason != "part of a date" for s in r.skipped)


def test_two_rates_in_one_sentence_get_their_own_indicators(records):
    r = records["10_tinh_ranks_ranges"]
    by = {q.stated: q for q in r.quantities}
    assert by["64,2%"].indicator != by["51,5%"].indicator
    assert "thanh toán" in by["51,5%"].indicator_text


def test_one_value_for_a_list_and_an_elliptic_second_figure(records):
    r = records["10_tinh_ranks_ranges"]
    third = {q.indicator for q in r.quantities if q.stated == "đứng thứ ba"}
    assert third == {"dti-human-resources-rank", "dti-infrastructure-rank"}
    # a rank that says what it ranks ("về tỷ lệ hồ sơ trực tuyến") is never given the index
    # of the title: no rank concept fits, so it stays unclassified with its phrase
    first = next(q for q in r.quantities if q.stated == "đứng đầu")
    assert first.indicator == "unclassified" and "hồ sơ trực tuyến" in first.indicator_text
    # "… cấp huyện đạt 97,1%, cấp xã 95,4%": the second takes the first's indicator
    by = {q.stated: q for q in r.quantities}
    assert by["95,4%"].indicator == by["97,1%"].indicator == "on-time-rate"
    assert by["95,4%"].scope == "commune-level"


def test_an_ordinal_of_a_ranking_is_a_rank_and_not_skipped(records):
    r = records["10_tinh_ranks_ranges"]
    rank = next(q for q in r.quantities if q.stated == "12" and q.kind == "rank")
    assert rank.indicator == "dti-cybersecurity-rank"
    assert not any(s.text == "12" and s.reason == "an ordinal" for s in r.skipped)


def test_a_scope_is_whole_words_not_letters_of_other_words(tmp_path):
    """Folded, "cáp quang" holds "cấp quận" and "cấp xác thực" holds "cấp xã": neither is a
    level of government."""
    text = (
        "Huyện Đức Trọng đẩy mạnh hạ tầng số\n\n"
        "Năm 2023, tỷ lệ hộ gia đình của huyện Đức Trọng có internet cáp quang đạt 82%. "
        "Huyện đã cấp xác thực cho 1.250 tài khoản định danh điện tử. "
        "Tỷ lệ hồ sơ trực tuyến cấp xã đạt 91%.\n"
    )
    r = extract_text(tmp_path, text)
    scopes = {q.stated: q.scope for q in r.quantities}
    assert scopes["82%"] is None
    assert scopes["1.250"] is None
    assert scopes["91%"] == "commune-level"


def test_a_share_of_a_whole_is_named_by_both(tmp_path):
    """ "A chiếm 8,6% B": the share of A in B, A the subject of the sentence's first figure
    when the share's own clause only compares ("…, tăng 25% so với năm 2023, chiếm …")."""
    text = (
        "Thương mại điện tử tỉnh Bắc Giang\n\n"
        "Năm 2023, doanh thu thương mại điện tử của tỉnh Bắc Giang đạt 3.100 tỷ đồng, "
        "tăng 25% so với năm 2022, chiếm khoảng 8,6% tổng mức bán lẻ hàng hóa. "
        "Trong năm, 7.600 hồ sơ được nộp qua mạng, chiếm 85,1% tổng số hồ sơ.\n"
    )
    r = extract_text(tmp_path, text)
    got = {q.stated: q.indicator for q in r.quantities}
    assert got["8,6%"] == "ecommerce-retail-share"
    assert got["85,1%"] == "online-dossier-rate"


def extract_text(tmp_path, text: str):
    """The record of an article of our own, written as a file."""
    path = tmp_path / "own.txt"
    path.write_text(text, encoding="utf-8")
    return Extractor(ROOT / "mappings", ROOT / "ontology").extract(read_article(path))


def test_a_target_verb_before_dat_makes_a_target(tmp_path):
    """ "phấn đấu đạt tỷ lệ … 80%": the figure's clause opens after "đạt"; the verb of
    intention before it still makes the figure a target."""
    r = extract_text(
        tmp_path,
        "Huyện Đức Trọng đẩy mạnh dịch vụ công\n\n"
        "Năm 2023, tỷ lệ hồ sơ trực tuyến của huyện Đức Trọng đạt 72,5%. "
        "Năm 2024, huyện phấn đấu đạt tỷ lệ hồ sơ trực tuyến 80%.\n",
    )
    roles = {q.stated: q.role for q in r.quantities}
    assert roles == {"72,5%": "actual", "80%": "target"}


def test_counts_of_a_list_share_the_predicate_said_after_the_last(tmp_path):
    """ "có 120 doanh nghiệp và 35 hợp tác xã tham gia sàn thương mại điện tử": both are
    counted as taking part; a count whose noun says its own ("6 chỉ tiêu chưa đạt và 5 …")
    keeps it."""
    r = extract_text(
        tmp_path,
        "Huyện Đức Trọng phát triển thương mại điện tử\n\n"
        "Năm 2023, huyện Đức Trọng có 120 doanh nghiệp và 35 hợp tác xã tham gia giao dịch "
        "trên sàn thương mại điện tử. Huyện có 6 chỉ tiêu chưa đạt và 5 chỉ tiêu chưa thống "
        "kê được.\n",
    )
    got = {q.stated: (q.indicator, q.indicator_text) for q in r.quantities}
    assert got["120"][0] == "ecommerce-platform-enterprises"
    assert "tham gia giao dịch" in got["120"][1]
    assert got["6"] == ("targets-not-met", "chỉ tiêu chưa đạt và")


def test_people_counted_are_no_teams(tmp_path):
    """ "11 tổ công tác" counts teams and "756 người tham gia" people: a count whose noun
    opens with one never takes a concept that names only the other."""
    r = extract_text(
        tmp_path,
        "Huyện Đức Trọng ra mắt tổ công nghệ số\n\n"
        "Năm 2023, huyện Đức Trọng thành lập 117 tổ công nghệ số cộng đồng với tổng số 756 "
        "người tham gia.\n",
    )
    got = {q.stated: q.indicator for q in r.quantities}
    assert got["117"] == "community-digital-teams"
    assert got["756"] != "community-digital-teams"


def test_a_bracket_after_a_rate_says_what_it_is_of(tmp_path):
    """ "đạt 100% (đối với các TTHC đủ điều kiện)": the share of eligible procedures."""
    r = extract_text(
        tmp_path,
        "Huyện Đức Trọng cung cấp dịch vụ công trực tuyến\n\n"
        "Năm 2023, huyện Đức Trọng đã cung cấp 245 dịch vụ công trực tuyến, đạt 100% (đối với "
        "các TTHC đủ điều kiện).\n",
    )
    got = {q.stated: q.indicator for q in r.quantities}
    assert got["100%"] == "online-procedure-rate"


def test_counts_that_are_no_figures_are_skipped_with_their_reason(tmp_path):
    """What an assessment is made of, a norm of one per one, "hai bên": skipped, said why."""
    r = extract_text(
        tmp_path,
        "Huyện Đức Trọng đánh giá chuyển đổi số\n\n"
        "Năm 2023, huyện Đức Trọng đánh giá các xã dựa trên 07 tiêu chí; bảo đảm 01 máy tính/01 "
        "cán bộ, công chức đạt 100%. Các hộ kinh doanh hai bên tuyến đường, 2 bên chợ đạt 80% "
        "thanh toán không dùng tiền mặt.\n",
    )
    assert [q.stated for q in r.quantities] == ["100%", "80%"]
    reasons = {k.text: k.reason for k in r.skipped}
    assert "assessment" in reasons["07"] and "one per one" in reasons["01"]
    assert "both sides" in reasons["2"]


def test_a_numbered_list_of_places_after_a_ranking_gives_their_ranks(tmp_path):
    """ "Năm địa phương dẫn đầu gồm:" then "1. Đà Nẵng: 0,7143 điểm": the items' numbers are
    ranks of the places after them; a list of tasks numbers nothing that is a figure."""
    r = extract_text(
        tmp_path,
        "Địa phương dẫn đầu DTI năm 2023\n\n"
        "Bộ công bố Chỉ số DTI năm 2023. Ba địa phương dẫn đầu gồm:\n\n"
        "1. Đà Nẵng: 0,7143 điểm\n\n2. Thừa Thiên Huế: 0,6950 điểm\n\n"
        "3. Quảng Ninh: 0,6811 điểm\n",
    )
    ranks = {q.stated: (q.indicator, r.places[q.area].short) for q in r.quantities
             if q.kind == "rank"}  # fmt: skip
    assert ranks == {"1": ("dti-rank", "Đà Nẵng"), "2": ("dti-rank", "Huế"),
                     "3": ("dti-rank", "Quảng Ninh")}  # fmt: skip
    scores = [q.stated for q in r.quantities if q.kind == "score"]
    assert scores == ["0,7143 điểm", "0,6950 điểm", "0,6811 điểm"]
    r = extract_text(
        tmp_path,
        "Huyện Đức Trọng giao nhiệm vụ chuyển đổi số\n\n"
        "Năm 2024, huyện Đức Trọng giao các nhiệm vụ sau:\n\n"
        "1. Tỷ lệ hồ sơ trực tuyến đạt 80%.\n\n2. Có 30 tổ công nghệ số cộng đồng.\n",
    )
    assert [q.stated for q in r.quantities] == ["80%", "30"]
    assert {k.text: k.reason for k in r.skipped}["1."[:1]] == "the number of an item in a list"


def test_van_is_ten_thousand_and_van_ban_a_document(tmp_path):
    """ "1,2 vạn hồ sơ" is 12,000 dossiers; folded, "300 văn bản" would read "300 vạn"."""
    r = extract_text(
        tmp_path,
        "Huyện Đức Trọng số hóa hồ sơ\n\n"
        "Năm 2023, huyện Đức Trọng tiếp nhận gần 1,2 vạn hồ sơ và phát hành 300 văn bản điện tử.\n",
    )
    got = {q.stated: q.value for q in r.quantities}
    assert got["1,2 vạn"] == 12000 and got["300"] == 300
