"""Which indicator each figure of a sentence gets: the mechanisms of issue 20 on paragraphs
written for these tests in the genre of the dev corpus (no article text)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cdskg.extract.articles import SourceArticle
from cdskg.extract.extractor import Extractor

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(ROOT / "mappings", ROOT / "ontology")


def _figures(extractor: Extractor, text: str) -> list[tuple[str, str, str]]:
    source = SourceArticle(Path("t.txt"), "t.txt", text, hashlib.sha256(text.encode()).hexdigest())
    record = extractor.extract(source)
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
