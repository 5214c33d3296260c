from hypothesis import given
from hypothesis import strategies as st

from cdskg.text.fold import fold
from cdskg.text.normalize import normalize

LOOKALIKE = {"\u00d0": "Đ", "\u00f0": "đ"}
alphabet = st.sampled_from([*list("aăâđêôơưÐðĐ \xa0\u200b–-/0123456789ủỷòà"), "ủ"])


@given(st.lists(alphabet, max_size=40).map("".join))
def test_offsets_point_at_the_same_character(source):
    n = normalize(source)
    assert len(n.source_offsets) == len(n.text) + 1
    for i, ch in enumerate(n.text):
        src = source[n.source_offsets[i]]
        src = LOOKALIKE.get(src, src)
        assert fold(ch) == fold(src) or ch in " –-" or src in "\u00a0\u2013"


@given(st.text(max_size=80))
def test_hostile_strings_never_crash(text):
    n = normalize(text)
    s, e = n.to_source(0, len(n.text))
    assert 0 <= s <= e <= len(text)


def test_tone_styles_compare_equal():
    assert fold("Thủy") == fold("Thuỷ") == "thuy"
    assert fold("hòa") == fold("hoà")
    assert normalize("CÐS").text == "CĐS"
