"""Scored indicator matching (cdskg.extract.indicators) on the project's thesaurus."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdskg.extract.indicators import IndicatorMatcher, own_phrase, syllable_key
from cdskg.extract.thesaurus import Thesaurus

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def matcher() -> IndicatorMatcher:
    return IndicatorMatcher(Thesaurus.load(ROOT / "ontology"), {"TTHC": "thủ tục hành chính"})


def test_syllable_keys_keep_tones_and_join_spellings():
    assert syllable_key("hóa") == syllable_key("hoá")
    assert syllable_key("tỷ") == syllable_key("tỉ")
    assert syllable_key("toàn") != syllable_key("toán")


def test_a_label_written_in_the_phrase_scores_highest(matcher):
    best = matcher.rank("tỷ lệ hồ sơ trực tuyến", ("percentage",), top=1)[0]
    assert best.indicator.notation == "online-dossier-rate" and best.score == 1.0


def test_a_phrase_without_diacritics_is_compared_folded(matcher):
    best = matcher.rank("ty le ho so truc tuyen", ("percentage",), top=1)[0]
    assert best.indicator.notation == "online-dossier-rate"


def test_the_value_kind_must_fit(matcher):
    ranked = matcher.rank("tỷ lệ hồ sơ trực tuyến", ("rank",), top=5)
    assert all(r.indicator.value_kind == "rank" for r in ranked)


def test_a_phrase_that_names_nothing_stays_below_the_threshold(matcher):
    assert matcher.best("kết quả tích cực trong năm", ("percentage",), 0.55) is None


def test_deprecated_concepts_are_never_matched(matcher):
    deprecated = matcher.thesaurus.deprecated
    for label_text in ("hồ sơ trực tuyến", "thứ hạng chuyển đổi số", "chỉ tiêu"):
        for kind in ("percentage", "rank", "count"):
            assert not {r.indicator.notation for r in matcher.rank(label_text, (kind,), 10)} & (
                deprecated
            )


def test_own_phrase_subject_before_a_copula_and_noun_after_a_count():
    assert own_phrase("Tỷ lệ hồ sơ trực tuyến đạt ", "", "percentage")[0][0] == (
        "Tỷ lệ hồ sơ trực tuyến"
    )
    assert own_phrase("Năm 2024, ", " văn bản được ký số", "percentage")[0][0] == (
        "văn bản được ký số"
    )
    # the verb governing a count is part of its phrase
    assert own_phrase("Bến Cát đã hoàn thành ", " chỉ tiêu", "count")[0][0].endswith(
        "hoàn thành chỉ tiêu"
    )
    # a rank measures what follows "về"
    assert own_phrase("Tỉnh xếp thứ ", " về chính quyền số", "rank")[0][0] == "chính quyền số"


def test_the_indicator_rules_of_quantities_toml_are_read():
    from cdskg.extract.figures import FigureRules

    rules = FigureRules.load(ROOT / "mappings" / "quantities.toml")
    assert 0 < rules.indicator_threshold < 1
    assert rules.comparison_words and rules.abbreviations and rules.synonyms
    assert rules.below_province.get("dti-rank") == "local-dti-rank"
