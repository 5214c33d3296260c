"""Dates and periods in Vietnamese text → ISO dates (:class:`cdskg.extract.records.Period`)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from cdskg.extract.records import Period
from cdskg.text.fold import fold

_D = r"(\d{1,2})"
_M = r"(\d{1,2})"
_Y = r"(\d{4})"
_SEP = r"\s*[/-]\s*"
_ANY_DIGIT = re.compile(r"\d")

FULL_DATE = re.compile(rf"(?<![\d/]){_D}{_SEP}{_M}{_SEP}{_Y}(?![\d/])")
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


@dataclass(frozen=True)
class PeriodMention:
    start: int
    end: int
    period: Period
    priority: int  # lower is more specific (an instant beats a year)
    #: how it was written: "range" ("từ ngày … đến ngày …"), "as-of" ("tính đến ngày …"),
    #: "date", "half", "quarter", "school-year", "span", "month" or "year"
    kind: str = "date"


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _month_end(y: int, m: int) -> str:
    return date(y, m, calendar.monthrange(y, m)[1]).isoformat()


def _month(y: int, m: int) -> Period:
    return Period(f"{y}-{m:02d}-01", _month_end(y, m))


def _quarter(y: int, q: int) -> Period:
    return Period(f"{y}-{3 * q - 2:02d}-01", _month_end(y, 3 * q))


_RANGE = re.compile(
    rf"(?i)từ\s+(?:ngày\s+)?{_D}{_SEP}{_M}(?:{_SEP}{_Y})?\s+(?:đến|tới)\s+(?:ngày\s+)?"
    rf"{_D}{_SEP}{_M}(?:{_SEP}{_Y})?"
)
#: "từ ngày 1/7 đến cuối tháng 10/2025", "từ 1/7 đến hết tháng 10-2025"
_RANGE_TO_MONTH = re.compile(
    rf"(?i)từ\s+(?:ngày\s+)?{_D}{_SEP}{_M}(?:{_SEP}{_Y})?\s+(?:đến|tới)\s+(?:hết\s+|cuối\s+)?"
    rf"tháng\s+{_M}{_SEP}{_Y}"
)
_UNTIL = re.compile(
    rf"(?i)(?:tính\s+(?:đến|tới)\s+(?:ngày\s+)?|(?:đến|tới)\s+(?:nay|ngày)\s+)"
    rf"{_D}{_SEP}{_M}(?:{_SEP}{_Y})?(?![\d/])"
)
_DATE = re.compile(rf"(?i)(?:ngày\s+)?{_D}{_SEP}{_M}{_SEP}{_Y}(?![\d/])")
#: "6 tháng đầu năm", "9 tháng cuối năm 2024", and "9 tháng năm 2024" as reports write the
#: first nine months ("báo cáo 9 tháng năm 2024")
_HALF = re.compile(r"(?i)(?<![\d.,])(\d{1,2})\s+tháng\s+(?:(đầu|cuối)\s+)?năm(?:\s+(\d{4}))?")
#: "sau 3 tháng vận hành chính quyền địa phương hai cấp": since the two-tier local
#: government began (1 July 2025, the reform) to the day the article was written
_TWO_TIER = re.compile(
    r"(?i)(?:sau|qua)\s+(?:hơn\s+|gần\s+)?\d{1,2}\s+tháng\s+(?:vận hành|triển khai|thực hiện|"
    r"hoạt động)(?:\s+(?:mô hình|theo mô hình))?\s+chính quyền(?:\s+địa phương)?\s+(?:2|hai)\s+cấp"
)
_TWO_TIER_START = "2025-07-01"
#: "từ ngày 1/7/2025 đến nay": from that day to the day the article was written
_SINCE = re.compile(
    rf"(?i)từ\s+(?:ngày\s+)?{_D}{_SEP}{_M}(?:{_SEP}{_Y})?\s+(?:đến|tới)\s+nay(?!\s*\d)"
)
#: "ngày 15 tháng 3 năm 2023", "15 tháng 3, 2023", "ngày 15 tháng 3"
_DATE_WORDS = re.compile(
    r"(?i)(?P<ngay>ngày\s+)?(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})"
    r"(?:\s*(?:năm|,)\s*(?P<y>\d{4}))?(?!\d)"
)
#: "đến hết", "tính đến cuối" right before a quarter, month or half ("đến hết năm 2023"
#: stays the year, as analysts read it)
_TO_ITS_END = re.compile(r"(?i)(?:tính\s+)?(?:đến|tới)\s+(?:hết|cuối)\s+$")
_AS_OF_BEFORE = re.compile(r"(?i)tính\s+(?:đến|tới)\s+$")
#: "tính đến năm 2023", "tính đến hết năm 2023"
_AS_OF_YEAR = re.compile(
    r"(?i)tính\s+(?:đến|tới)\s+(?:hết\s+|cuối\s+)?năm\s+(\d{4})(?!\s*[-–]\s*\d)"
)
#: "tháng 3 năm 2023"
_MONTH_WORDS = re.compile(r"(?i)(?<!\d )tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
#: "ngày 22.4", "ngày 22.4.2023": a date written with dots
_DOT_DATE = re.compile(r"(?i)ngày\s+(\d{1,2})\.(\d{1,2})(?:\.(\d{4}))?(?![\d.])")
_QUARTER = re.compile(r"(?i)quý\s+(I{1,3}|IV|[1-4])(?:\s*[/-]\s*|\s+(?:năm\s+)?)(\d{4})")
_SCHOOL_YEAR = re.compile(r"(?i)năm\s+học\s+(\d{4})\s*[-–]\s*(\d{4})")
_SPAN = re.compile(r"(?i)giai\s+đoạn\s+(?:từ\s+)?(\d{4})\s*[-–]\s*(\d{4})")
_MONTH = re.compile(r"(?i)tháng\s+(\d{1,2})\s*[/-]\s*(\d{4})")
#: "trong quý I", "trong tháng 6": of the year the article speaks from
_QUARTER_ALONE = re.compile(
    r"(?i)(?<!\w)quý\s+(I{1,3}|IV|[1-4])(?![\w/-]|\s*[/-]?\s*(?:năm\s+)?\d)"
)
_MONTH_ALONE = re.compile(
    r"(?i)(?<!\d\s)(?<!\w)tháng\s+(\d{1,2})(?![\d/-]|[.,]\d|\s*(?:năm|,)\s*\d)"
)
_YEAR = re.compile(
    r"(?i)(?<!đến )(?<!tới )(?<!trước )(?<!sau )(?<!vào )năm\s+(\d{4})(?!\s*[-–]\s*\d)"
)


#: words right after a year that make it the year of a target, not the article's
_AIMED = re.compile(
    r"(?i)[\s,]*(?:[^\W\d_]+\s+){0,3}?(?:phấn đấu|đặt mục tiêu|mục tiêu|kế hoạch|sẽ|dự kiến)\b"
)


#: words before a year it is compared with ("so với cùng kỳ năm 2021"): not the article's
_COMPARED_WITH = re.compile(r"(?i)(?:so với|cùng kỳ|so với cùng kỳ)\s*$")


def find_periods(text: str, context_year: int, today: str | None = None) -> list[PeriodMention]:
    """Every period stated in ``text``; a date without a year takes ``context_year``;
    ``today``, the day the article was written (ISO), ends "từ ngày … đến nay"."""
    found: list[PeriodMention] = []
    if not _ANY_DIGIT.search(text) and not _QUARTER_ALONE.search(text):
        # every pattern but a quarter in Roman numerals ("trong quý I") needs a digit; a
        # quarter of our sentences have none
        return found

    def year_or(value: str | None) -> int:
        return int(value) if value else context_year

    for m in _RANGE.finditer(text):
        y2 = year_or(m.group(6))
        y1 = int(m.group(3)) if m.group(3) else y2
        a = _iso(y1, int(m.group(2)), int(m.group(1)))
        b = _iso(y2, int(m.group(5)), int(m.group(4)))
        if a and b and a <= b:
            found.append(PeriodMention(m.start(), m.end(), Period(a, b), 0, "range"))
    for m in _RANGE_TO_MONTH.finditer(text):
        y2, m2 = int(m.group(5)), int(m.group(4))
        y1 = int(m.group(3)) if m.group(3) else y2
        a = _iso(y1, int(m.group(2)), int(m.group(1)))
        b = _month_end(y2, m2) if 1 <= m2 <= 12 else None
        if a and b and a <= b:
            found.append(PeriodMention(m.start(), m.end(), Period(a, b), 0, "range"))
    for m in _SINCE.finditer(text) if today else ():
        a = _iso(year_or(m.group(3)), int(m.group(2)), int(m.group(1)))
        if a and today and a <= today:
            found.append(PeriodMention(m.start(), m.end(), Period(a, today), 0, "range"))
    for m in _TWO_TIER.finditer(text) if today and today > _TWO_TIER_START else ():
        found.append(PeriodMention(m.start(), m.end(), Period(_TWO_TIER_START, today), 0, "range"))
    for m in _UNTIL.finditer(text):
        d = _iso(year_or(m.group(3)), int(m.group(2)), int(m.group(1)))
        if d:
            found.append(PeriodMention(m.start(), m.end(), Period(d), 1, "as-of"))
    for m in _DATE.finditer(text):
        d = _iso(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if d:
            found.append(PeriodMention(m.start(), m.end(), Period(d), 2))
    for m in _HALF.finditer(text):
        # "6 tháng đầu năm", "9 tháng đầu năm 2024", "6 tháng cuối năm"
        n, y = int(m.group(1)), year_or(m.group(3))
        if not 1 <= n <= 11:
            continue
        if not m.group(2) or fold(m.group(2)) == "dau":
            a, b = f"{y}-01-01", _month_end(y, n)
        else:
            a, b = f"{y}-{13 - n:02d}-01", f"{y}-12-31"
        found.append(PeriodMention(m.start(), m.end(), Period(a, b), 1, "half"))
    for m in _DATE_WORDS.finditer(text):
        if not m.group("ngay") and not m.group("y"):
            continue  # "15 tháng 3" alone may be a duration and a month
        d = _iso(year_or(m.group("y")), int(m.group("m")), int(m.group("d")))
        if d:
            lead = _AS_OF_BEFORE.search(text, max(0, m.start() - 16), m.start())
            if lead:  # "tính đến ngày 15 tháng 3 năm 2023"
                found.append(PeriodMention(lead.start(), m.end(), Period(d), 1, "as-of"))
            else:
                found.append(PeriodMention(m.start(), m.end(), Period(d), 2))
    for m in _DOT_DATE.finditer(text):
        d = _iso(year_or(m.group(3)), int(m.group(2)), int(m.group(1)))
        if d:
            found.append(PeriodMention(m.start(), m.end(), Period(d), 2))
    # a month or a quarter, with its year or the article's ("tháng 3 năm 2023", "tháng
    # 6/2023", "trong tháng 6"; "quý III/2024", "trong quý I")
    for pattern, priority in ((_MONTH_WORDS, 2), (_MONTH, 2), (_MONTH_ALONE, 3)):
        for m in pattern.finditer(text):
            mo = int(m.group(1))
            y = int(m.group(2)) if pattern.groups > 1 else context_year
            if 1 <= mo <= 12:
                found.append(PeriodMention(m.start(), m.end(), _month(y, mo), priority, "month"))
    for pattern, priority in ((_QUARTER, 1), (_QUARTER_ALONE, 2)):
        for m in pattern.finditer(text):
            q = ROMAN.get(m.group(1).upper()) or int(m.group(1))
            y = int(m.group(2)) if pattern.groups > 1 else context_year
            found.append(PeriodMention(m.start(), m.end(), _quarter(y, q), priority, "quarter"))
    for m in _SCHOOL_YEAR.finditer(text):
        y1, y2 = int(m.group(1)), int(m.group(2))
        found.append(
            PeriodMention(
                m.start(), m.end(), Period(f"{y1}-09-01", f"{y2}-05-31"), 3, "school-year"
            )
        )
    for m in _SPAN.finditer(text):
        y1, y2 = int(m.group(1)), int(m.group(2))
        if y1 <= y2:
            found.append(
                PeriodMention(m.start(), m.end(), Period(f"{y1}-01-01", f"{y2}-12-31"), 4, "span")
            )
    for m in _AS_OF_YEAR.finditer(text):
        # "tính đến năm 2023": the year, as analysts read it, though "đến năm" is a target's
        y = int(m.group(1))
        found.append(
            PeriodMention(m.start(), m.end(), Period(f"{y}-01-01", f"{y}-12-31"), 3, "year")
        )
    for m in _YEAR.finditer(text):
        y = int(m.group(1))
        found.append(
            PeriodMention(m.start(), m.end(), Period(f"{y}-01-01", f"{y}-12-31"), 3, "year")
        )
    for i, p in enumerate(found):
        # "đến hết quý III/2024", "tính đến cuối tháng 6/2023": as of the period's last day
        lead = (
            _TO_ITS_END.search(text, max(0, p.start - 20), p.start)
            if p.kind in ("quarter", "month", "half") and p.period.end
            else None
        )
        if lead is not None and p.period.end is not None:
            found[i] = PeriodMention(lead.start(), p.end, Period(p.period.end), 1, "as-of")
    # drop mentions inside a longer one
    found.sort(key=lambda p: (p.start, -(p.end - p.start)))
    kept: list[PeriodMention] = []
    for p in found:
        if not any(k.start <= p.start and p.end <= k.end for k in kept):
            kept.append(p)
    return kept


#: a publication date in an address: "/2023/06/05/", "/202104/", "-202510211818.htm",
#: "-20220329i63.html"
_URL_DATES = (
    re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/"),
    re.compile(r"/(20\d\d)(\d\d)/"),
    re.compile(r"-(20\d\d)(\d\d)(\d\d)(?:\d{4})?(?:[a-z]\d+)?(?:\.html?|\.epi|$)"),
)
_ISO_DATE = re.compile(r"(?<!\d)(20\d\d)-(\d\d)(?:-(\d\d))?(?!\d)")


def published_year(datelines: list[str], url: str | None, today: int) -> int | None:
    """The year an article was published in, from its dateline lines ("Cập nhật: 03/08/2022
    09:29", "date 2025-11-04") or else its address; None when neither says."""
    found = published_on(datelines, url, today)
    return int(found[:4]) if found else None


def published_on(datelines: list[str], url: str | None, today: int) -> str | None:
    """The day an article was published (ISO), as :func:`published_year` finds it; an
    address with a year and month only gives the month's first day."""
    for line in datelines:
        m = FULL_DATE.search(line)
        day = _iso(int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None
        if day is None:
            iso = _ISO_DATE.search(line)
            day = (
                _iso(int(iso.group(1)), int(iso.group(2)), int(iso.group(3) or 1)) if iso else None
            )
        if day is not None and 2000 <= int(day[:4]) <= today:
            return day
    for pattern in _URL_DATES:
        m = pattern.search(url or "")
        if m is None:
            continue
        year, month = int(m.group(1)), int(m.group(2))
        day_of = int(m.group(3)) if m.lastindex and m.lastindex >= 3 else 1
        if 2000 <= year <= today and (day := _iso(year, month, day_of)):
            return day
    return None


def context_year(text: str, default: int, published: int | None = None) -> int:
    """The year an article speaks from: the latest year of a full date or of "năm YYYY",
    not counting targets ("đến năm 2025") and spans ("giai đoạn 2022-2025"), nor years after
    its publication (``published``, when known); failing all, the year it was published in,
    else ``default`` (today's)."""
    years = [int(m.group(3)) for m in FULL_DATE.finditer(text)]
    # "đến tháng 10/2024", "quý III/2024": a month's or a quarter's year
    years += [int(m.group(2)) for m in _MONTH.finditer(text)]
    years += [int(m.group(2)) for m in _QUARTER.finditer(text)]
    # "năm 2025, huyện phấn đấu …": a year followed by what is aimed at is a target's
    years += [
        int(m.group(1))
        for m in _YEAR.finditer(text)
        if not _AIMED.match(text, m.end()) and not _COMPARED_WITH.search(text, 0, m.start())
    ]
    latest = published or default
    # "công bố kết quả Chỉ số DTI năm 2024", "đánh giá tình hình hoạt động năm 2025": the
    # year an index or a review reports on, stated up front, is the year its figures are of,
    # though the article was written (and dated) the year after
    head = text[:_HEAD]
    reported = [
        int(m.group(2))
        for m in _REPORTED.finditer(head)
        if not _AIMED.match(head, m.end())
        and not _COMPARED_WITH.search(head, 0, m.start(1))
        and 2000 <= int(m.group(2)) <= latest
    ]
    if reported:
        return max(reported)
    years = [y for y in years if 2000 <= y <= latest]
    return max(years) if years else latest


#: the title and lead, where an article says what it reports on
_HEAD = 600
#: a year an index, a ranking or a review is of ("Chỉ số DTI năm 2024", "đánh giá, xếp hạng
#: … năm 2025"), not one aimed at or compared with ("đến năm 2025", "so với năm 2021")
_REPORTED = re.compile(
    r"\b(?i:chỉ số|xếp hạng|đánh giá|kết quả|báo cáo|tổng kết|sơ kết|dti|pci|papi|sipas|"
    r"par index|ebi|ict index)\b[^.;!?\n]{0,80}?"
    r"(?<!đến )(?<!tới )(?<!trước )(?<!sau )(?<!vào )(?<!trong )\b"
    r"((?i:năm))\s+(\d{4})(?!\s*[-–]\s*\d)"
)
