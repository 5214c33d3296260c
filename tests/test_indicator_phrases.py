"""Which indicator each figure of a sentence gets: the mechanisms of issue 20 on paragraphs
written for these tests in the genre of the dev corpus (no article text)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cdskg.extract.articles import SourceArticle
from cdskg.extract.extractor import Extractor
from cdskg.extract.records import ArticleRecord
from cdskg.extract.units import COUNTRY
from cdskg.settings import project_paths

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(ROOT / "mappings", ROOT / "ontology")


def _record(extractor: Extractor, text: str) -> ArticleRecord:
    """Our paragraph as an article, extracted."""
    source = SourceArticle(Path("t.txt"), "t.txt", text, hashlib.sha256(text.encode()).hexdigest())
    return extractor.extract(source)


def _figures(extractor: Extractor, text: str) -> list[tuple[str, str, str]]:
    record = _record(extractor, text)
    return [(q.stated, q.indicator, q.indicator_text) for q in record.quantities]


def test_the_upper_bound_of_a_range_reads_the_words_of_its_lower_bound(extractor):
    """ "đến gần 0,5" and "-15%" name nothing: the upper bound measures what the lower does."""
    text = (
        "Huyện Krông Pắc đẩy mạnh thương mại điện tử\n\n"
        "Năm 2024, huyện Krông Pắc phấn đấu tăng số người truy cập sàn TMĐT từ 10-15%. "
        "Tỉnh Kon Tum có giá trị DTI đạt từ khoảng 0,45 đến gần 0,5."
    )
    found = _figures(extractor, text)
    assert len(found) == 4
    for lower, upper in (found[0:2], found[2:4]):
        assert upper[1] == lower[1] and upper[2] == lower[2]
    assert found[2][1] == "dti-index"


def test_a_value_right_after_a_rank_is_the_value_of_what_the_rank_ranks(extractor):
    """Two pillars in one sentence: each value takes its own rank's pillar, not the index."""
    text = (
        "Chỉ số chuyển đổi số của Kon Tum năm 2023\n\n"
        "Năm 2023, chỉ số Kinh tế số của tỉnh Kon Tum xếp thứ 21/63 với giá trị là 0,3512, "
        "chỉ số Xã hội số xếp thứ 30/63 có giá trị 0,4125."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found == [
        ("21/63", "dti-digital-economy-rank"),
        ("0,3512", "dti-digital-economy-value"),
        ("30/63", "dti-digital-society-rank"),
        ("0,4125", "dti-digital-society-value"),
    ]


def test_a_score_above_the_average_is_a_difference_and_above_last_year_a_change(extractor):
    head = "Chỉ số chuyển đổi số của Kon Tum năm 2023\n\nNăm 2023, tỉnh Kon Tum đạt 0,4512 điểm, "
    average = _figures(extractor, head + "cao hơn 0,05 so với mức bình quân của cả nước.")
    last_year = _figures(extractor, head + "cao hơn 0,05 so với năm 2022.")
    assert [i for _, i, _ in average] == ["dti-index", "dti-index-difference"]
    assert [i for _, i, _ in last_year] == ["dti-index", "dti-index"]


def test_this_rate_points_back_at_the_figure_named_before(extractor):
    text = (
        "Điện thoại thông minh ở Kon Tum\n\n"
        "Tỷ lệ người trưởng thành sử dụng điện thoại thông minh tại tỉnh Kon Tum đạt 70,2% và "
        "tỉnh đặt mục tiêu nâng tỷ lệ này lên 85% năm 2025."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found == [("70,2%", "adult-smartphone-rate"), ("85%", "adult-smartphone-rate")]


def test_a_value_after_a_verbal_rank_is_the_value_of_the_index_ranked(extractor):
    """ "dẫn đầu với kết quả đạt 90,6%": the index led is named only in the sentence before."""
    text = (
        "Kết quả chỉ số hài lòng năm 2023\n\n"
        "Bộ Nội vụ công bố Chỉ số SIPAS năm 2023 của các tỉnh, thành phố. Ở chỉ số này, tỉnh "
        "Kon Tum dẫn đầu với kết quả đạt 90,6%; đứng thứ 2 tỉnh Gia Lai đạt 88,1%."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found == [
        ("dẫn đầu", "sipas-rank"),
        ("90,6%", "sipas-index"),
        ("2", "sipas-rank"),
        ("88,1%", "sipas-index"),
    ]


def test_a_count_of_listed_nouns_reads_past_the_comma_of_the_list(extractor):
    """ "412 hộ, cá nhân kinh doanh …": the comma joins two nouns; "3.740 thành viên, là …"
    opens another clause."""
    text = (
        "Huyện Krông Pắc phát triển hóa đơn điện tử\n\n"
        "Đến nay, huyện Krông Pắc có 412 hộ, cá nhân kinh doanh đăng ký và chuyển đổi sử dụng "
        "hóa đơn điện tử. Huyện Krông Pắc có 96 tổ công nghệ số cộng đồng với 610 thành viên, "
        "là lực lượng nòng cốt đưa công nghệ số đến mọi người dân."
    )
    found = {s: (i, t) for s, i, t in _figures(extractor, text)}
    assert found["412"][0] == "e-invoice-business-households"
    assert found["412"][1].startswith("hộ, cá nhân kinh doanh")
    assert found["610"] == ("community-digital-team-members", found["610"][1])
    assert "nòng cốt" not in found["610"][1]


def test_a_rich_phrase_of_its_own_is_never_replaced_by_the_figure_before(extractor):
    """A long noun phrase after "100%" names digital signatures far from the number: it is
    read to its end, and the indicator of the rate before is not inherited."""
    text = (
        "Huyện Krông Pắc ứng dụng chữ ký số\n\n"
        "Tỷ lệ hồ sơ công việc được xử lý trên môi trường mạng của huyện Krông Pắc đạt 95%. "
        "Đến nay 100% cơ quan, đơn vị, UBND các xã, thị trấn của huyện Krông Pắc đã ứng dụng "
        "và triển khai hiệu quả việc ứng dụng chữ ký số chuyên dùng trong hoạt động."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found == [("95%", "work-dossier-online-rate"), ("100%", "digital-signature-agency-rate")]


def test_each_item_of_a_list_of_targets_gets_its_own_indicator(extractor):
    """Three figures in one sentence, separated by semicolons: the words of one item (the
    procedures "mức độ 4") are not read into the next (the dossiers "hoàn toàn trực tuyến"),
    and the standard wordings of the genre name their indicators."""
    text = (
        "Xã Ea Tu đặt mục tiêu chuyển đổi số\n\n"
        "Năm 2025, xã Ea Tu phấn đấu có hơn 85% thủ tục hành chính được cung cấp dưới hình "
        "thức dịch vụ công trực tuyến mức độ 4; tối thiểu 70% hồ sơ thủ tục hành chính được xử "
        "lý hoàn toàn trực tuyến; 100% văn bản đi, đến được xử lý trên môi trường mạng.\n\n"
        "Xã Ea Tu cũng đã tiếp nhận 1.240 hồ sơ, trong đó tiếp nhận 980 hồ sơ trực tuyến."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found == [
        ("85%", "full-online-procedure-rate"),
        ("70%", "online-dossier-rate-full"),
        ("100%", "e-document-rate"),
        ("1.240", "dossiers-received"),
        ("980", "online-dossiers"),
    ]


def test_a_verb_of_the_phrase_does_not_outscore_the_phrase_it_belongs_to(extractor):
    """ "Việc hoàn thành 12/12 nhiệm vụ …": tasks completed, not the targets ("chỉ tiêu") that
    the verb "hoàn thành" alone would name. The second count of the pair is the next item of
    the same list ("và 5/5 nhiệm vụ"): the verb governs it too."""
    text = (
        "Xã Ea Tu hoàn thành nhiệm vụ\n\n"
        "Việc hoàn thành 12/12 nhiệm vụ giai đoạn khẩn cấp và 5/5 nhiệm vụ giai đoạn bứt phá "
        "đã giúp xã Ea Tu vận hành thông suốt."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found == [("12/12", "tasks-completed"), ("5/5", "tasks-completed")]


def test_a_colon_before_a_percentage_with_its_own_noun_opens_a_list(extractor):
    text = (
        "Xã Ea Tu chuyển đổi số\n\n"
        "Công tác chuyển đổi số của xã Ea Tu đạt nhiều kết quả tích cực: 100% cán bộ, công "
        "chức xã sử dụng hệ thống quản lý văn bản và điều hành điện tử."
    )
    found = _figures(extractor, text)
    assert [(s, i) for s, i, _ in found] == [("100%", "document-software-usage-rate")]
    assert found[0][2].startswith("cán bộ, công chức xã")


def test_a_comma_between_two_nouns_does_not_cut_the_subject_of_a_rate(extractor):
    """ "giáo viên, nhân viên …": the teachers stay in the phrase of the rate after them."""
    text = (
        "Huyện Krông Pắc triển khai chữ ký số cho giáo viên\n\n"
        "Hơn 1.200/1.300 giáo viên, nhân viên các trường tiểu học của huyện Krông Pắc đã được "
        "trang bị chữ ký số cá nhân, đạt tỷ lệ 92,3%."
    )
    rate = next(f for f in _figures(extractor, text) if f[0] == "92,3%")
    assert rate[1] == "teacher-digital-signature-rate"
    assert rate[2].startswith("giáo viên, nhân viên")


def test_a_rank_or_growth_that_names_nothing_is_that_of_a_figure_before_it(extractor):
    """The thesaurus names twins (``X-rank``, ``X-growth-rate``): a rank or a change in per
    cent with no words of its own is the twin of what a figure before it measures, the
    nearest that has one (the share of the digital economy, not its core part)."""
    text = (
        "Kinh tế số tỉnh Hậu Giang năm 2024\n\n"
        "Năm 2024, tỷ trọng kinh tế số trong GRDP của tỉnh Hậu Giang đạt 9,2%, trong đó kinh tế "
        "số lõi 4,1%; xếp thứ 21 cả nước và thứ 3 vùng Đồng bằng sông Cửu Long. "
        "Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng của tỉnh đạt 25.100 tỷ đồng, "
        "tăng 11,2% so với cùng kỳ. "
        "Tỷ lệ hồ sơ trực tuyến của tỉnh đạt 72%, tăng 5% so với năm 2023."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found[:5] == [
        ("9,2%", "digital-economy-grdp-share"),
        ("4,1%", "core-digital-economy-grdp-share"),
        ("21", "digital-economy-grdp-share-rank"),
        ("3", "digital-economy-grdp-share-rank"),
        ("25.100 tỷ đồng", "retail-sales-revenue"),
    ]
    assert found[5] == ("11,2%", "retail-sales-growth-rate")
    # a rate's change in per cent is the rate's own (points), never a growth twin
    assert found[7][0] == "5%" and not found[7][1].endswith("growth-rate")


def test_each_item_of_a_list_of_indices_keeps_its_own_index(extractor):
    """Comparison words before a semicolon end the item before; a rate and a change of a
    score that name nothing are the rate and the change of the score before them."""
    text = (
        "Các chỉ số cải cách của tỉnh Phú Yên năm 2022\n\n"
        "Năm 2022, chỉ số PAR INDEX của tỉnh Phú Yên đạt 85,2 điểm, giảm 2 bậc so với năm "
        "2021; chỉ số PCI đạt 66,4 điểm (tăng 1,2 điểm), xếp thứ 30; chỉ số PAPI là 41,5/80 "
        "điểm, đạt tỷ lệ 51,9%, giảm 1,1 điểm so với năm 2021."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found == [
        ("85,2 điểm", "par-index-score"),
        ("2 bậc", "par-index-rank"),
        ("66,4 điểm", "pci-score"),
        ("1,2 điểm", "pci-score"),
        ("30", "pci-rank"),
        ("41,5/80 điểm", "papi-score"),
        ("51,9%", "papi-score-rate"),
        ("1,1 điểm", "papi-score"),
    ]


def test_items_of_one_list_share_what_governs_them(extractor):
    """ "hoàn thành 12/12 nhiệm vụ … và 20/20 nhiệm vụ …": the second item has the verb of
    the first; a few own words after a figure narrow the indicator before ("với ít nhất 25%
    toàn trình" is the fully online rate, not the online rate again)."""
    text = (
        "Tỉnh Kon Tum chuyển đổi số năm 2025\n\n"
        "Năm 2025, tỉnh Kon Tum đã hoàn thành 12/12 nhiệm vụ trọng tâm và 20/20 nhiệm vụ "
        "thường xuyên. Toàn tỉnh có 1.020 tổ công nghệ số cộng đồng, trong đó có 102 tổ cấp "
        "xã, 918 tổ thôn, tổ dân phố. Trung tâm Phục vụ hành chính công tỉnh Kon Tum tiếp nhận "
        "tối thiểu 85% hồ sơ trực tuyến, với ít nhất 25% toàn trình."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found == [
        ("12/12", "tasks-completed"),
        ("20/20", "tasks-completed"),
        ("1.020", "community-digital-teams"),
        ("102", "community-digital-teams"),
        ("918", "community-digital-teams"),
        ("85%", "online-dossier-rate"),
        ("25%", "online-dossier-rate-full"),
    ]


def test_an_item_that_says_only_its_predicate_has_the_subject_of_the_one_before(extractor):
    """ "… 75% dân số trưởng thành có định danh điện tử VNeID và 45% có chữ ký số cá nhân":
    the second rate is about adults too; "mức 4 là 9.120 hồ sơ" is the level written short."""
    text = (
        "Kế hoạch chuyển đổi số tỉnh Vĩnh Long\n\n"
        "Đến năm 2026, tỉnh Vĩnh Long phấn đấu 75% dân số trưởng thành có định danh điện tử "
        "VNeID và 45% có chữ ký số cá nhân. Năm 2024, tỉnh Vĩnh Long tiếp nhận 12.400 hồ sơ "
        "trực tuyến (trong đó, mức 3 là 3.280 hồ sơ, mức 4 là 9.120 hồ sơ)."
    )
    found = dict((s, i) for s, i, _ in _figures(extractor, text))
    assert found["45%"] == "adult-digital-signature-rate"
    assert found["3.280"] == "online-dossiers-partial"
    assert found["9.120"] == "online-dossiers-full"


def _roles(extractor: Extractor, text: str) -> list[tuple[str, str]]:
    return [(q.stated, q.role) for q in _record(extractor, text).quantities]


def test_every_item_of_a_list_of_targets_is_a_target(extractor):
    """Target words before a list make each item a target, also after its semicolons and in
    a sentence that goes on with it ("Theo đó, …"); "sẽ" after the number makes one; an item
    whose own clause says it is reached ("hiện nay đã đạt") stays a result."""
    text = (
        "Huyện Krông Pắc đặt mục tiêu chuyển đổi số\n\n"
        "Huyện Krông Pắc đã xác định mục tiêu đến năm 2026 như: bảo đảm 90% hồ sơ được xử lý "
        "trực tuyến; tối thiểu 70% hồ sơ công việc được xử lý trên môi trường mạng; 100% cán "
        "bộ có chữ ký số. Theo đó, 60% hộ kinh doanh sẽ dùng thanh toán không tiền mặt, hiện "
        "nay đã đạt 41%. Năm 2024, tỷ lệ hồ sơ trực tuyến của huyện Krông Pắc đạt 62%."
    )
    assert _roles(extractor, text) == [
        ("90%", "target"),
        ("70%", "target"),
        ("100%", "target"),
        ("60%", "target"),
        ("41%", "actual"),
        ("62%", "actual"),
    ]


def test_the_number_of_goals_set_is_a_result_not_a_target(extractor):
    """ "đề ra 12 chỉ tiêu" says how many targets were set: a fact, even after a target word;
    the targets' own values in the next sentence are targets."""
    text = (
        "Huyện Cư Kuin triển khai kế hoạch chuyển đổi số\n\n"
        "Thực hiện kế hoạch chuyển đổi số đến năm 2025, huyện Cư Kuin đề ra 12 chỉ tiêu và 30 "
        "nhiệm vụ. Huyện phấn đấu 95% hồ sơ được xử lý trực tuyến."
    )
    assert _roles(extractor, text) == [("12", "actual"), ("30", "actual"), ("95%", "target")]


def test_an_index_stated_in_per_cent_is_the_index_and_not_its_change(extractor):
    """ "Chỉ số PAR INDEX … đạt 88,12%" is the index (scored out of 100), never the concept
    of its change, which only a figure stated as a change takes ("cao hơn 2,1% so với năm
    2023"); the rank that follows is the index's own."""
    text = (
        "Chỉ số cải cách hành chính của tỉnh Đồng Nai năm 2024\n\n"
        "Năm 2024, Chỉ số cải cách hành chính (PAR INDEX) của tỉnh Đồng Nai đạt 88,12%, cao "
        "hơn 2,1% so với năm 2023, xếp thứ 20/63 tỉnh, thành phố."
    )
    found = [(q.stated, q.indicator, q.role) for q in _record(extractor, text).quantities]
    assert found == [
        ("88,12%", "par-index-score", "actual"),
        ("2,1%", "par-index-change-rate", "change"),
        ("20/63", "par-index-rank", "actual"),
    ]


def test_an_item_with_its_own_noun_is_not_read_in_the_noun_of_the_item_before(extractor):
    text = (
        "Phường Tân Định chuyển đổi số\n\n"
        "Năm 2025, phường Tân Định phấn đấu 100% hồ sơ được số hóa, 90% người dân sử dụng "
        "dịch vụ công trực tuyến."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found == [("100%", "digitised-results-rate"), ("90%", "adult-online-service-use-rate")]


def test_counts_of_dossiers_and_payments_by_their_own_nouns(extractor):
    """ "hồ sơ trực tuyến là 3.290 hồ sơ" counts online dossiers, not dossiers received (the
    "số" that opens every count's name is not what tells them apart, and "hồ sơ thủ tục
    hành chính" shortens a figure's phrase, never a label); "thanh toán trực tuyến 1.120 giao
    dịch với tổng số tiền …" counts payments, whatever "với tổng số" follows."""
    text = (
        "Xã Hòa Phú sau sáp nhập\n\n"
        "Từ ngày 1/7/2025 đến ngày 30/9/2025, xã Hòa Phú (Đắk Lắk) đã tiếp nhận 3.456 hồ sơ. "
        "Trong đó, hồ sơ trực tuyến là 3.290 hồ sơ; thanh toán trực tuyến 1.120 giao dịch với "
        "tổng số tiền hơn 450 triệu đồng."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found[:3] == [
        ("3.456", "dossiers-received"),
        ("3.290", "online-dossiers"),
        ("1.120", "online-payment-transactions"),
    ]


def test_a_one_stop_shop_report_of_received_on_time_and_its_rate(extractor):
    text = (
        "Xã Hòa Phú sau sáp nhập\n\n"
        "Quý III/2025, xã Hòa Phú (Đắk Lắk) đã tiếp nhận 3.456 hồ sơ, giải quyết đúng hạn "
        "3.401 hồ sơ, đạt tỷ lệ 98,4%."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found == [
        ("3.456", "dossiers-received"),
        ("3.401", "dossiers-resolved-on-time"),
        ("98,4%", "on-time-rate"),
    ]


def test_a_comparison_of_places_reads_the_indicator_of_the_sentence_before(extractor):
    """ "… là địa phương có tỷ lệ cao nhất với 92,5%": the places and how they stand name no
    indicator; the verbal rank is the rank twin of the rate before, the value that rate."""
    text = (
        "Điện thoại thông minh ở các tỉnh\n\n"
        "Tính đến tháng 6/2023, tỷ lệ người dân sử dụng điện thoại thông minh trên cả nước "
        "đạt 78,4%. Đà Nẵng là địa phương có tỷ lệ cao nhất với 92,5%, tiếp đến là TP.HCM "
        "(90,1%)."
    )
    found = [(s, i) for s, i, _ in _figures(extractor, text)]
    assert found == [
        ("78,4%", "adult-smartphone-rate"),
        ("cao nhất", "adult-smartphone-rank"),
        ("92,5%", "adult-smartphone-rate"),
        ("90,1%", "adult-smartphone-rate"),
    ]


def test_a_count_of_teams_is_not_a_count_of_the_places_that_set_them_up(extractor):
    """A count measures the noun written after it: "14 tổ công nghệ cấp xã" counts teams,
    though the words before it ("đã thành lập") and "xã" fit the label of the communes that
    set up teams; "12/12 xã đã thành lập tổ" counts those communes."""
    text = (
        "Huyện Ea Kar phát triển tổ công nghệ số cộng đồng\n\n"
        "Đến nay, huyện Ea Kar đã thành lập 14 tổ công nghệ cấp xã, thị trấn và 160 tổ công "
        "nghệ thôn, buôn. Có 12/12 xã, thị trấn đã thành lập tổ công nghệ số cộng đồng."
    )
    found = [(q.stated, q.indicator) for q in _record(extractor, text).quantities]
    assert found == [
        ("14", "community-digital-teams"),
        ("160", "community-digital-teams"),
        ("12/12", "community-digital-team-units"),
    ]


def test_scores_before_a_ranking_a_total_score_and_the_average_a_difference_is_taken_from(
    extractor,
):
    """Scores before the sentence's rank are the values of what it ranks; a "tổng điểm" is
    the total of the ranking the paragraph opened with, not of a pillar ranked after it; the
    average a difference is taken from ("(0,4102 điểm)") is the average, not the difference,
    and "cao hơn" after a total is the difference."""
    text = (
        "Phú Yên tăng 4 bậc trên bảng xếp hạng chuyển đổi số\n\n"
        "Với 0,5120 điểm, Phú Yên đứng thứ 9 trong bảng xếp hạng chuyển đổi số (DTI) cấp tỉnh "
        "năm 2022.\n\n"
        "Cụ thể, Phú Yên xếp thứ 9/63, tăng 4 bậc. Về chính quyền số, Phú Yên xếp thứ 7, "
        "Xã hội số xếp thứ 11. Tổng điểm của địa phương này là 0,5120 điểm, cao hơn 0,1018 "
        "so với mức điểm bình quân của cả nước (0,4102 điểm)."
    )
    found = [(q.stated, q.indicator) for q in _record(extractor, text).quantities]
    assert [f for f in found if "," in f[0]] == [
        ("0,5120 điểm", "dti-index"),
        ("0,5120 điểm", "dti-index"),
        ("0,1018", "dti-index-difference"),
        ("0,4102 điểm", "dti-provincial-average"),
    ]


def test_the_index_of_the_provinces_stated_for_the_country_is_their_average(extractor):
    """ "Đối với cấp tỉnh, giá trị DTI đạt 0,6512" in a national report is the provinces'
    average at the country, neither a province's index nor a local unit's score."""
    text = (
        "Công bố chỉ số chuyển đổi số năm 2023\n\n"
        "Năm 2023, DTI quốc gia đạt 0,7212. Đối với cấp tỉnh, giá trị DTI năm 2023 đạt "
        "0,6512, tăng 3,1% so với năm trước."
    )
    found = {q.stated: (q.indicator, q.area) for q in _record(extractor, text).quantities}
    assert found["0,6512"] == ("dti-provincial-average", COUNTRY.iri)


def test_a_place_in_the_ranking_as_a_whole_after_the_pillars_ranks(extractor):
    """After the pillars' ranks, "Vị trí thứ 3 trong bảng xếp hạng thuộc về …" is the place
    in the whole ranking the paragraph opened with, not the last pillar's."""
    text = (
        "Xếp hạng chuyển đổi số năm 2023\n\n"
        "Ở vị trí thứ 2 trong bảng xếp hạng DTI là tỉnh Bắc Ninh; trong đó, chính quyền số và "
        "xã hội số đều xếp vị trí thứ 4/63. Vị trí thứ 3 trong bảng xếp hạng thuộc về tỉnh "
        "Quảng Ninh."
    )
    found = [(q.stated, q.indicator) for q in _record(extractor, text).quantities]
    assert found[0] == ("2", "dti-rank")
    assert found[-1] == ("3", "dti-rank")
    assert "dti-digital-society-rank" in {n for _, n in found}


def test_identity_cards_under_their_name_since_the_2023_law(extractor):
    """Since the Law on Identification (2023) the card is "thẻ căn cước", no longer "căn
    cước công dân": an application for one is not an e-ID application."""
    text = (
        "Phường Hải Châu cấp căn cước cho người dân\n\n"
        "Năm 2025, phường Hải Châu đã thu nhận 2.104 hồ sơ cấp căn cước và kích hoạt 9.870 "
        "tài khoản định danh điện tử."
    )
    found = [(q.stated, q.indicator) for q in _record(extractor, text).quantities]
    assert found == [("2.104", "id-card-applications"), ("9.870", "eid-activated-accounts")]


def test_procedures_are_not_dossiers_and_early_or_on_time_is_one_rate(extractor):
    """A share of procedures ("100% thủ tục hành chính được cung cấp … toàn trình") never
    takes a dossiers' rate; "giải quyết trước và đúng hạn" is the on-time rate once, not an
    early rate and an on-time rate."""
    text = (
        "Phường Phú Lợi cải cách hành chính\n\n"
        "Năm 2025, tỷ lệ hồ sơ giải quyết trước và đúng hạn của phường Phú Lợi đạt 98,7%. "
        "Phường phấn đấu 100% thủ tục hành chính được cung cấp dưới dạng dịch vụ công trực "
        "tuyến toàn trình."
    )
    found = [(q.stated, q.indicator) for q in _record(extractor, text).quantities]
    assert found == [("98,7%", "on-time-rate"), ("100%", "full-online-procedure-rate")]


def test_people_as_the_population_and_teams_set_up_not_the_units_that_set_them_up(extractor):
    """ "Tỷ lệ người dân có tài khoản thanh toán điện tử" is the population's rate (named
    "dân số" in the framework), not cashless payments; "đã thành lập 24 tổ công nghệ số"
    counts teams, though the concept of the units that set them up is named by that verb."""
    text = (
        "Phường Tân Định phát triển xã hội số\n\n"
        "Năm 2025, tỷ lệ người dân có tài khoản thanh toán điện tử của phường Tân Định đạt "
        "72,8%. Phường đã thành lập 24 tổ công nghệ số cộng đồng với 168 thành viên."
    )
    found = [(q.stated, q.indicator) for q in _record(extractor, text).quantities]
    assert found == [
        ("72,8%", "epayment-account-rate"),
        ("24", "community-digital-teams"),
        ("168", "community-digital-team-members"),
    ]


def test_payments_merchants_and_certificates(extractor):
    """Dossiers paid online are online payment transactions, and their share the online
    payment rate; "thanh toán số" is cashless payment; certificates issued to people and
    firms are public digital signatures."""
    text = (
        "Thành phố Bảo Lộc đẩy mạnh thanh toán số\n\n"
        "Năm 2024, số hồ sơ thanh toán trực tuyến của thành phố Bảo Lộc là 5.310 hồ sơ, chiếm "
        "27%. Thành phố có 2.870 hộ kinh doanh ứng dụng thanh toán số và đã cấp 1.140 chứng "
        "thư số cho cá nhân, doanh nghiệp."
    )
    found = [(q.stated, q.indicator) for q in _record(extractor, text).quantities]
    assert found == [
        ("5.310", "online-payment-transactions"),
        ("27%", "online-payment-rate"),
        ("2.870", "cashless-merchants"),
        ("1.140", "public-digital-signatures"),
    ]


def test_health_records_are_no_dossiers_and_an_abbreviation_alone_names_nothing(extractor):
    """A health record ("1,15 triệu hồ sơ sức khỏe điện tử") is no administrative dossier; a
    hospitals' rate that mentions the chip ID card ("khám chữa bệnh bằng CCCD") is not the
    rate of ID cards issued just because "CCCD" is in it."""
    text = (
        "Tỉnh Hà Tĩnh chuyển đổi số trong y tế\n\n"
        "Năm 2024, tỉnh Hà Tĩnh đã lập 1,15 triệu hồ sơ sức khỏe điện tử, đạt 87% dân số; 100% "
        "bệnh viện triển khai khám chữa bệnh bằng CCCD gắn chip."
    )
    found = [(q.stated, q.indicator) for q in _record(extractor, text).quantities]
    assert found == [
        ("1,15 triệu", "e-health-records"),
        ("87%", "e-health-record-rate"),
        ("100%", "unclassified"),
    ]


def test_early_on_time_and_late_each_their_own_rate(extractor):
    """ "trước hạn là 72,5%, đúng hạn 26,9%, trễ hạn 0,6%": three rates of one list, the last
    the overdue rate, not the on-time rate of the item before it."""
    text = (
        "Quận Ninh Kiều cải cách hành chính\n\n"
        "Năm 2023, tỷ lệ hồ sơ giải quyết trước hạn của quận Ninh Kiều là 72,5%, đúng hạn "
        "26,9%, trễ hạn 0,6%."
    )
    found = [(q.stated, q.indicator) for q in _record(extractor, text).quantities]
    assert found == [
        ("72,5%", "ahead-of-time-rate"),
        ("26,9%", "on-time-rate"),
        ("0,6%", "overdue-rate"),
    ]


def test_a_digital_citizen_is_no_population():
    """ "công dân số" holds the syllables of "dân số": the synonyms of mappings/quantities.toml
    write it out, so a count of an app's users is not read as a population."""
    paths = project_paths()
    matcher = Extractor(paths.mappings, paths.ontology).matcher
    best = matcher.rank("tài khoản ứng dụng công dân số", ("count",), top=1)[0]
    assert best.indicator.notation == "digital-citizen-app-accounts"
    assert all(
        r.indicator.notation != "population"
        for r in matcher.rank("người dùng ứng dụng công dân số", ("count",), top=1)
    )
