"""The written forms of a figure beyond a plain number: verbal ranks ("dẫn đầu cả nước",
"đứng thứ hai", "đứng cuối bảng"), ranges ("60-80%", "từ 15 đến 20%"), rank changes ("tăng 2
bậc") and multiples ("gấp 3 lần").

:func:`hits` lists a sentence's figures in order: every number the figure pattern finds, and
every verbal rank, each a :class:`Hit` that reads like a regular-expression match (``group``,
``start``, ``end``) so the extractor treats both alike. :func:`ranges` pairs the bounds of a
range. All patterns are matched on accent-folded text (same length as the text).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from cdskg.extract.figures import FIGURE

#: ordinal words after "thứ" / "hạng" ("đứng thứ hai", "hạng nhì"), folded
ORDINALS = {
    "nhat": 1,
    "nhi": 2,
    "hai": 2,
    "ba": 3,
    "tu": 4,
    "bon": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
}
_ORD = "|".join(ORDINALS)
#: "dẫn đầu cả nước", "đứng đầu về …", "xếp thứ nhất": first place
_FIRST = re.compile(
    r"(?<!nhom )(?<!top )\b(?:dan dau|dung dau|xep dau)"
    r"(?=\s+(?:ca nuoc|toan quoc|khu vuc|bang|ve|voi|trong|tai|o|cac|nhom|danh sach|toan)\b"
    r"|\s*[,.;]|\s*$)"
)
#: "là tỉnh đầu tiên cả nước hoàn thành …": first of the country to do it, first place
_FIRST_TO = re.compile(
    r"\b(?:la|tro thanh)\s+(?:tinh|thanh pho|dia phuong|don vi|huyen|quan|xa|phuong)\s+"
    r"(?P<w>dau tien\s+(?:(?:cua|trong|tren)\s+)?(?:ca nuoc|toan quoc))\b"
)
#: "đứng thứ hai", "xếp hạng nhì", "ở vị trí thứ ba", "hạng nhất": an ordinal word
_ORDINAL = re.compile(
    rf"\b(?:(?:xep|dung|o|len|vuon len)\s+(?:o\s+)?(?:vi tri\s+)?(?:thu|hang)|xep hang)\s+"
    rf"(?P<n>{_ORD})\b(?!\s+(?:tieu chi|nhom|chi so|thang|nam|ngay)|\s*\d)"
)
#: "… là địa phương có tỷ lệ … cao nhất": first place; "… thấp nhất": last place
_HIGHEST = re.compile(
    r"\b(?:la|van la|dung dau la)\s+(?:dia phuong|tinh|thanh pho|don vi|xa|phuong|huyen)\s+"
    r"co\s+[^,.;()]{3,80}?\s+(?P<w>cao nhat|nhieu nhat|lon nhat|thap nhat|it nhat)\b"
)
#: "đạt tuyệt đối về tỷ lệ …": a rate of 100%
_FULL = re.compile(r"\bdat tuyet doi(?=\s+(?:ve\s+)?(?:ty le|ti le))")
#: "đứng cuối bảng", "xếp cuối cùng": last place, of the number ranked when it is stated
_LAST = re.compile(r"\b(?:dung|xep|nam)\s+(?:o\s+)?(?:vi tri\s+)?cuoi(?:\s+(?:bang|cung))?\b")
#: how many were ranked: "/63", "63 tỉnh", "trong 63 …", "cả nước" (63 or 34 by the year)
#: (a day and month, "ngày 12/3/2024", "12/3", is no rank of 3)
_OF_N = re.compile(
    r"(?<!ngay )(?<![\d/])\d{1,3}\s*/\s*(\d{1,3})\b(?!\s*/)"
    r"|\b(\d{1,3})\s+(?:tinh|dia phuong|xa|phuong|don vi)\b"
)


@dataclass(frozen=True)
class Hit:
    """One figure of a sentence, read like a match of :data:`FIGURE`."""

    _start: int
    _end: int
    text: str
    number: str
    of: str | None = None  # the denominator as written ("63" of "5/63")
    kind: str | None = None  # set by the form ("rank" for verbal ranks)

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, i: int = 0) -> str | None:
        return (self.text, self.number, self.of)[i]


#: a ranking of the country's provinces: the sentence names them or the country
_PROVINCES_RANKED = re.compile(r"\b(?:tinh|tinh thanh|ca nuoc|toan quoc)\b")


def hits(
    s: str,
    folded: str,
    ranked: int | None = None,
    provinces: Callable[[], int] | None = None,
) -> list[Hit]:
    """The figures of sentence ``s`` (``folded`` is its accent-folded form), in order;
    ``ranked`` is how many the article's rankings rank (the last place, when the sentence
    does not say); ``provinces`` tells how many provinces the country had in the article's
    year, the last place of a ranking of provinces when neither says (asked only for a last
    place: it reads the whole article)."""
    out = [Hit(m.start(), m.end(), m.group(0), m.group(1), m.group(2)) for m in FIGURE.finditer(s)]
    if any(w in folded for w in ("dau", "thu", "hang", "cuoi", "nhat", "tien")):

        def last_place() -> int | None:
            if ranked or provinces is None or not _PROVINCES_RANKED.search(folded):
                return ranked
            return provinces()

        out += _verbal_ranks(s, folded, last_place)
    if "tuyet doi" in folded:
        out += [
            Hit(m.start(), m.end(), s[m.start() : m.end()], "100", None, "percentage")
            for m in _FULL.finditer(folded)
        ]
    out.sort(key=lambda h: h.start())
    return out


def _verbal_ranks(s: str, folded: str, last_place: Callable[[], int | None]) -> list[Hit]:
    found: list[Hit] = []
    for m in _FIRST.finditer(folded):
        found.append(Hit(m.start(), m.end(), s[m.start() : m.end()], "1", None, "rank"))
    for m in _FIRST_TO.finditer(folded) if "dau tien" in folded else ():
        a, b = m.span("w")
        found.append(Hit(a, b, s[a:b], "1", None, "rank"))
    for m in _ORDINAL.finditer(folded):
        n = ORDINALS[m.group("n")]
        found.append(Hit(m.start(), m.end(), s[m.start() : m.end()], str(n), None, "rank"))
    for m in _HIGHEST.finditer(folded) if "nhat" in folded else ():
        a, b = m.span("w")
        if m.group("w") in ("thap nhat", "it nhat"):
            ranked = last_place()
            if not ranked:
                continue  # last of how many is not said
            n = str(ranked)
            found.append(Hit(a, b, s[a:b], n, n, "rank"))
        else:
            found.append(Hit(a, b, s[a:b], "1", None, "rank"))
    for m in _LAST.finditer(folded):
        of = _OF_N.search(folded)
        ranked = last_place() if of is None else None
        n = (of.group(1) or of.group(2)) if of is not None else (str(ranked) if ranked else None)
        if n is not None:
            found.append(Hit(m.start(), m.end(), s[m.start() : m.end()], n, n, "rank"))
    return found


#: between the two bounds of a range: "60-80%", "từ 15 - 20%", "từ khoảng 0,5 đến gần 0,6"
_RANGE_DASH = re.compile(r"\s*[-–]\s*$")
_RANGE_TO = re.compile(r"\s*%?\s*(?:den|toi)\s+(?:khoang\s+|gan\s+|hon\s+|tren\s+|duoi\s+)?$")
_FROM_BEFORE = re.compile(r"\btu\s+(?:khoang\s+|gan\s+|hon\s+|tren\s+)?$")


def ranges(folded: str, found: list[Hit]) -> dict[int, int]:
    """The ranges among ``found``: index of each lower bound → index of its upper bound.
    A dash between two numbers ("60-80%") or "từ … đến …" makes one."""
    pairs: dict[int, int] = {}
    for i, (a, b) in enumerate(itertools.pairwise(found)):
        if a.kind or b.kind or a.of or b.of:
            continue
        between = folded[a.end() : b.start()]
        if (_RANGE_DASH.match(between) and len(between) <= 3) or (
            _RANGE_TO.match(between)
            and _FROM_BEFORE.search(folded[max(0, a.start() - 16) : a.start()])
        ):
            pairs[i] = i + 1
    return pairs
