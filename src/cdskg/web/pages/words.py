"""Words for values that come from the data or the build, in both languages: value roles,
the catalogue's column and parameter names, the build report's counts, and timestamps as
people write them. Labels of things come from the graph (:func:`.graph.label`).

>>> role_label("target", "vi"), column_label("areaLabel", "en"), column_label("xyz", "vi")
('mục tiêu', 'Area', 'xyz')
>>> qualified("81%", "more-than"), qualified("97%", "at-least"), qualified("22%", "approximately")
('> 81%', '≥ 97%', '≈ 22%')
>>> when("2026-12-03T18:29:28.119377Z", "vi"), when("2026-12-03T18:29:28+00:00", "en")
('18:29 ngày 3/12/2026 (UTC)', '3 December 2026, 18:29 UTC')
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

# the signs live with the records, whose labels use them too; pages read them from here
from cdskg.extract.records import QUALIFIER_SIGNS as QUALIFIER_SIGNS
from cdskg.extract.records import qualified as qualified
from cdskg.rdf.namespaces import DCTERMS, ELI, FOAF, OA, ORG, PROV, QB, SCHEMA, SKOS, TIME

ROLES = {
    "actual": ("thực đạt", "actual"),
    "target": ("mục tiêu", "target"),
    "change": ("mức thay đổi", "change"),
}

QUALIFIERS = {
    "exact": ("chính xác", "exact"),
    "approximately": ("khoảng", "about"),  # as the legend says "≈ about"
    "more-than": ("trên", "more than"),
    "less-than": ("dưới", "less than"),
    "at-least": ("từ … trở lên", "at least"),
    "at-most": ("tối đa", "at most"),
}

#: Column titles of catalogue results, by variable name; other names are shown as they are.
COLUMNS = {
    "actual": ("Thực đạt", "Actual"),
    "actualObs": ("Số liệu thực đạt", "Actual figure"),
    "area": ("Địa bàn", "Area"),
    "areaLabel": ("Địa bàn", "Area"),
    "areas": ("Số địa bàn", "Areas"),
    "article": ("Bài báo", "Article"),
    "articles": ("Số bài báo", "Articles"),
    "best": ("Cao nhất", "Highest"),
    "bestStated": ("Cách viết", "As written"),
    "breakdown": ("Phạm vi", "Breakdown"),
    "breakdownLabel": ("Phạm vi", "Breakdown"),
    "qualifier": ("Từ định lượng", "Qualifier"),
    "change": ("Mức thay đổi", "Change"),
    "date": ("Ngày", "Date"),
    "denominator": ("Mẫu số", "Denominator"),
    "document": ("Văn bản", "Document"),
    "documents": ("Văn bản", "Documents"),
    "facts": ("Số số liệu", "Facts"),
    "figures": ("Số số liệu", "Figures"),
    "framework": ("Bộ chỉ tiêu", "Framework"),
    "frameworkLabel": ("Bộ chỉ tiêu", "Framework"),
    "from": ("Từ", "From"),
    "headline": ("Tiêu đề", "Headline"),
    "identifier": ("Số hiệu", "Identifier"),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "indicatorLabel": ("Chỉ tiêu", "Indicator"),
    "indicators": ("Số chỉ tiêu", "Indicators"),
    "label": ("Tên", "Name"),
    "latest": ("Kỳ gần nhất", "Latest"),
    "localities": ("Số địa phương", "Localities"),
    "localityLabel": ("Địa phương", "Locality"),
    "name": ("Tên", "Name"),
    "numerator": ("Tử số", "Numerator"),
    "obs": ("Số liệu", "Fact"),
    "obs1": ("Số liệu 1", "Fact 1"),
    "obs2": ("Số liệu 2", "Fact 2"),
    "organisationLabel": ("Cơ quan", "Organisation"),
    "parentLabel": ("Đơn vị cấp trên", "Parent unit"),
    "partOf": ("Thuộc", "Part of"),
    "percent": ("Tỷ lệ (%)", "Percent"),
    "period": ("Kỳ số liệu", "Period"),
    "person": ("Người", "Person"),
    "phrase": ("Cụm từ", "Phrase"),
    "pillarLabel": ("Trụ cột", "Pillar"),
    "platform": ("Nền tảng", "Platform"),
    "postLabel": ("Chức vụ", "Post"),
    "province": ("Tỉnh", "Province"),
    "provinceLabel": ("Tỉnh", "Province"),
    "publisher": ("Nơi đăng", "Publisher"),
    "rank": ("Thứ hạng", "Rank"),
    "role": ("Vai trò", "Role"),
    "sameArticle": ("Cùng bài", "Same article"),
    "sentence": ("Câu nguồn", "Source sentence"),
    "source": ("Tệp nguồn", "Source file"),
    "start": ("Bắt đầu", "Start"),
    "stated": ("Cách viết", "As written"),
    "successor": ("Đơn vị kế thừa", "Successor"),
    "successorLabel": ("Đơn vị kế thừa", "Successor"),
    "target": ("Mục tiêu", "Target"),
    "targetObs": ("Số liệu mục tiêu", "Target figure"),
    "to": ("Đến", "To"),
    "type": ("Loại", "Type"),
    "unit": ("Đơn vị đo", "Unit"),
    "value": ("Giá trị", "Value"),
    "value1": ("Giá trị 1", "Value 1"),
    "value2": ("Giá trị 2", "Value 2"),
    "year": ("Năm", "Year"),
}

#: Parameter names and help in Vietnamese; English help comes from the query's header.
PARAMS = {
    "indicator": ("chỉ tiêu", "chỉ tiêu: tên, mã (online-dossier-rate) hoặc IRI"),
    "area": ("địa bàn", "đơn vị hành chính: tên (Bình Thủy), mã (918) hoặc IRI"),
    "breakdown": (
        "phạm vi",
        "phần địa bàn được so sánh: total (toàn địa bàn), commune-average (bình quân cấp xã),"
        " district-level (riêng cấp huyện) … hoặc IRI",
    ),
    "article": ("bài báo", "bài báo: tên tệp hoặc IRI"),
    "lang": ("ngôn ngữ", "ngôn ngữ của nhãn: vi hoặc en"),
    "min": ("ngưỡng", "ngưỡng, tính bằng phần trăm"),
}

#: The build report's counts.
COUNTS = {
    "added": ("bài báo thêm mới", "articles added"),
    "changed": ("bài báo thay đổi", "articles changed"),
    "unchanged": ("bài báo không đổi", "articles unchanged"),
    "rejected": ("bài báo bị giữ lại", "articles held back"),
    "unreadable": ("tệp không đọc được", "unreadable files"),
    "failed": ("bài báo xử lý lỗi", "articles that failed"),
    "removed": ("bài báo gỡ bỏ", "articles removed"),
    "facts": ("số liệu đã nạp", "facts loaded"),
    "facts_rejected": ("số liệu bị giữ lại", "facts held back"),
}

#: Names of the standard classes cdskg uses, which the graph does not label itself.
CLASSES = {
    SKOS + "Concept": ("khái niệm", "concept"),
    SKOS + "Collection": ("nhóm khái niệm", "collection"),
    SKOS + "ConceptScheme": ("hệ khái niệm", "concept scheme"),
    QB + "Observation": ("số liệu", "observation"),
    QB + "DataSet": ("bộ dữ liệu", "data set"),
    SCHEMA + "NewsArticle": ("bài báo", "news article"),
    SCHEMA + "SoftwareApplication": ("nền tảng số", "software application"),
    OA + "SpecificResource": ("trích dẫn", "quotation"),
    TIME + "Instant": ("thời điểm", "instant"),
    TIME + "ProperInterval": ("khoảng thời gian", "interval"),
    FOAF + "Person": ("người", "person"),
    ORG + "Post": ("chức vụ", "post"),
    ORG + "Organization": ("tổ chức", "organisation"),
    ELI + "LegalResource": ("văn bản pháp luật", "legal document"),
    PROV + "Activity": ("lần xây dựng", "build run"),
    DCTERMS + "Location": ("địa điểm", "location"),
}

_STATUS = {
    "added": ("thêm mới", "added"),
    "changed": ("thay đổi", "changed"),
    "unchanged": ("không đổi", "unchanged"),
    "rejected": ("bị giữ lại", "held back"),
    "unreadable": ("không đọc được", "unreadable"),
    "failed": ("lỗi", "failed"),
}

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _pick(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "vi" else pair[1]


def class_label(iri: str, lang: str) -> str | None:
    """The name of a standard class (``skos:Concept`` → «khái niệm»), or None."""
    pair = CLASSES.get(iri)
    return None if pair is None else (pair[0] if lang == "vi" else pair[1])


def qualifier_label(qualifier: str, lang: str) -> str:
    return _pick(QUALIFIERS, qualifier, lang)


def role_label(role: str, lang: str) -> str:
    return _pick(ROLES, role, lang)


def column_label(name: str, lang: str) -> str:
    return _pick(COLUMNS, name, lang)


def param_label(name: str, lang: str) -> str:
    pair = PARAMS.get(name)
    return pair[0] if pair and lang == "vi" else name


def param_help(name: str, english: str, lang: str) -> str:
    pair = PARAMS.get(name)
    return pair[1] if pair and lang == "vi" else english


def count_label(key: str, lang: str) -> str:
    return _pick(COUNTS, key, lang)


def status_label(status: str, lang: str) -> str:
    return _pick(_STATUS, status, lang)


def when(stamp: str | None, lang: str) -> str:
    """An ISO 8601 timestamp as people write it, in UTC; what is not one stays as it is."""
    if not stamp:
        return "—"
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    if lang == "vi":
        return f"{moment:%H:%M} ngày {moment.day}/{moment.month}/{moment.year} (UTC)"
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M} UTC"


def day(iso: str, lang: str) -> str:
    """An ``xsd:date`` as people write it; what is not one stays as it is.

    >>> day("2023-05-30", "vi"), day("2023-05-30", "en"), day("2023", "vi")
    ('30/5/2023', '30 May 2023', '2023')
    """
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    if lang == "vi":
        return f"{d.day}/{d.month}/{d.year}"
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


_ROMAN = ["I", "II", "III", "IV"]


def period_label(start: str, end: str | None, lang: str) -> str:
    """A reference period as people write it: a whole year, half, quarter or month by its
    name, a day as a day, any other span from day to day.

    >>> year = ("2023-01-01", "2023-12-31")
    >>> period_label(*year, "vi"), period_label(*year, "en")
    ('năm 2023', '2023')
    >>> period_label("2025-07-01", "2025-12-31", "vi")
    '6 tháng cuối năm 2025'
    >>> q3 = ("2024-07-01", "2024-09-30")
    >>> period_label(*q3, "vi"), period_label(*q3, "en")
    ('quý III/2024', 'Q3 2024')
    >>> period_label("2023-03-01", "2023-03-31", "en"), period_label("2023-05-30", None, "vi")
    ('March 2023', 'ngày 30/5/2023')
    >>> period_label("2025-07-01", "2025-11-26", "vi")
    '1/7/2025 – 26/11/2025'
    """
    try:
        a = date.fromisoformat(start)
        b = date.fromisoformat(end) if end else None
    except ValueError:
        return f"{start} – {end}" if end else start
    vi = lang == "vi"
    if b is None or a == b:
        return f"ngày {day(start, lang)}" if vi else day(start, lang)
    month_end = (b + timedelta(days=1)).day == 1
    if a.day == 1 and month_end and a.year == b.year:
        months = b.month - a.month + 1
        if months == 12:
            return f"năm {a.year}" if vi else str(a.year)
        if months == 6:
            first = a.month == 1
            if vi:
                return f"6 tháng {'đầu' if first else 'cuối'} năm {a.year}"
            return f"{'first' if first else 'second'} half of {a.year}"
        if months == 3 and a.month % 3 == 1:
            q = (a.month + 2) // 3
            return f"quý {_ROMAN[q - 1]}/{a.year}" if vi else f"Q{q} {a.year}"
        if months == 1:
            return f"tháng {a.month}/{a.year}" if vi else f"{_MONTHS[a.month - 1]} {a.year}"
    return f"{day(start, lang)} – {day(end or '', lang)}"
