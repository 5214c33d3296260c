"""A prefiltered pattern finds exactly what the pattern finds, on any text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cdskg.extract.extractor import Extractor
from cdskg.settings import project_paths
from cdskg.text.prefilter import Prefiltered

#: words and marks the extraction rules turn on, mixed case, with numbers around them
PIECES = [
    "ngày", "Ngày", "NGÀY", "đến", "Đến", "từ", "tháng", "Quý", "năm", "năm học",
    "số", "Số", "khu phố", "tổ", "Tổ dân phố", "phường", "Xã", "QL", "ql", "quốc lộ",
    "thứ", "lần thứ", "mức độ", "UBND", "2023", "1999", "15", "3", "4.0", "20/11/2025",
    "%", " ", "  ", ",", ".", "-", "–", "/", ":", "(", ")", "tổng số", "con số", "xếp thứ",
]  # fmt: skip


def _rules() -> list[re.Pattern[str]]:
    paths = project_paths()
    return [p.pattern for p, _ in Extractor(paths.mappings, paths.ontology).figures.not_a_figure]


PATTERNS = _rules()


def spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def test_starts_are_read_from_the_pattern():
    assert Prefiltered(re.compile(r"(?i)\b(?:tháng|quý)\s+\d")).starts == ("quý", "tháng")
    assert Prefiltered(re.compile(r"(?<!x)\bnăm thứ\s+\d")).starts == ("năm thứ",)
    # a capturing group, nested alternatives: the words the group starts with
    assert Prefiltered(re.compile(r"(số|(?:mã|ký) hiệu)\s*\d")).starts == ("ký", "mã", "số")
    # no prefilter where a match may start otherwise
    assert Prefiltered(re.compile(r"\d+\s+tuổi")).starts is None
    assert Prefiltered(re.compile(r"(?:ngày|)\s*\d")).starts is None
    assert Prefiltered(re.compile(r"(?i:ngày)\s*\d")).starts is None
    assert Prefiltered(re.compile(r"[Nn]gày \d")).starts is None


def test_most_extraction_rules_get_a_prefilter():
    filtered = [p for p in PATTERNS if Prefiltered(p).starts is not None]
    assert len(filtered) >= len(PATTERNS) // 2


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14), st.data())
def test_same_matches_as_the_pattern(pieces, data):
    text = " ".join(pieces)
    pattern = data.draw(st.sampled_from(PATTERNS))
    wanted = spans(pattern.finditer(text))
    assert spans(Prefiltered(pattern).finditer(text)) == wanted
    assert spans(Prefiltered(pattern).finditer(text, text.lower())) == wanted
