"""What every page shares: the blueprint, the interface's words in Vietnamese and English,
the language choice, content negotiation of RDF, and the editor's example queries.

(Over 500 lines: the interface's words in both languages are one table, which grows with
the pages.)
"""

from __future__ import annotations

import logging
import math
import re

import pyoxigraph as ox
from flask import Blueprint, Response, has_request_context, request

from cdskg.publish import query_catalogue as catalogue
from cdskg.rdf import formats
from cdskg.rdf.namespaces import ID, PREFIXES
from cdskg.web import assets, urls
from cdskg.web.context import store
from cdskg.web.negotiation import parse_accept
from cdskg.web.pages import words
from cdskg.web.pages.graph import iri_node, label, triples_of

bp = Blueprint("pages", __name__)
log = logging.getLogger("cdskg.web")

LANGS = ("vi", "en")
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: RDF representations of a resource page: format name -> (pyoxigraph format, media type)
_PAGE_FORMATS = ("ttl", "jsonld", "nt")
RDF_FORMATS = formats.rdf_view(*_PAGE_FORMATS)
RDF_MEDIA = formats.media_to_name(formats.RDF, *_PAGE_FORMATS)
#: cdsid: is left out: its local names have slashes, which Turtle must escape.
RDF_PREFIXES = {k: v for k, v in PREFIXES.items() if k != "cdsid"}
FORMAT_NAMES = {n: formats.RDF[n].label for n in _PAGE_FORMATS}


# The words of the interface, in both languages. Data labels come from the graph.
TEXT = {
    "vi": {
        "site": "Đồ thị tri thức chuyển đổi số địa phương",
        "home": "Trang chủ",
        "queries": "Câu hỏi mẫu",
        "sparql": "Truy vấn SPARQL",
        "downloads": "Tải về",
        "ontology": "Bộ từ vựng",
        "search": "Tìm kiếm",
        "search_hint": "Tên địa phương, chỉ tiêu… (không cần dấu: binh thuy)",
        "articles": "Bài báo",
        "all_articles": "Tất cả bài báo, với số số liệu của từng bài",
        "facts": "Số liệu",
        "localities": "Địa phương",
        "last_build": "Lần xây dựng gần nhất",
        "store_version": "Phiên bản kho",
        "by_pillar": "Số liệu theo trụ cột",
        "what": "Đồ thị này chứa gì",
        "results_for": "Kết quả cho",
        "no_results": "Không tìm thấy.",
        "with_facts": "có số liệu",
        "types": "Loại",
        "properties": "Thuộc tính",
        "incoming": "Được tham chiếu bởi",
        "evidence": "Câu nguồn",
        "in_article": "trong bài",
        "value": "Giá trị",
        "stated": "Cách viết",
        "indicator": "Chỉ tiêu",
        "area": "Địa bàn",
        "period": "Kỳ số liệu",
        "pillar": "Trụ cột",
        "role": "Vai trò",
        "breakdown": "Phạm vi",
        "figure": "Số liệu",
        "all_facts": "Tất cả số liệu",
        "localities_with_data": "Các địa phương có số liệu",
        "localities_count": "{n} địa phương có số liệu; mỗi dòng dẫn tới bảng số liệu"
        " của địa phương đó.",
        "filters": "Lọc",
        "remove_filter": "bỏ lọc",
        "more_values": "và các giá trị khác",
        "shown_rows": "Dòng {first}–{last} trong {total}",
        "no_rows": "Không có số liệu nào khớp các bộ lọc.",
        "prev_page": "← Trang trước",
        "next_page": "Trang sau →",
        "page_of": "trang {page}/{pages}",
        "this_page_as": "Dữ liệu của đúng các dòng này:",
        "sort_by": "Sắp xếp theo {col}",
        "bad_table_arg": "Tham số của bảng chưa đúng: {detail}",
        "qualifier_legend": "> trên, ≥ từ … trở lên, < dưới, ≤ tối đa, ≈ khoảng:"
        " giá trị có chặn hoặc gần đúng, không phải số chính xác.",
        "like_with_like": "Chỉ so sánh số liệu cùng chỉ tiêu, cùng vai trò và cùng phạm vi:"
        " {role}, {breakdown}.",
        "other_breakdowns": "Phạm vi khác",
        "chart_like": "Biểu đồ chỉ so sánh số liệu cùng phạm vi và vai trò: {like};"
        " {n} dòng khác phạm vi hoặc vai trò không được vẽ (xem bảng).",
        "build_warnings": "{n} cảnh báo của bước xây dựng (bằng tiếng Anh, cho người quản trị)",
        "article": "Bài báo",
        "parent": "Đơn vị cấp trên",
        "successor": "Sau 1/7/2025 thuộc",
        "replaces": "Hợp nhất từ",
        "facts_by_pillar": "Số liệu theo trụ cột",
        "percent_chart": "Các tỷ lệ (%)",
        "compared": "So sánh giữa các địa phương",
        "framework": "Trong bộ chỉ tiêu chính thức",
        "deprecated": "Khái niệm không còn dùng",
        "source_documents": "Văn bản nguồn",
        "broader": "Thuộc",
        "narrower": "Gồm",
        "indicators": "Chỉ tiêu",
        "mentioned_in": "Được nhắc đến trong",
        "text": "Nội dung (đã làm sạch)",
        "formats": "Dữ liệu",
        "run": "Chạy",
        "parameters": "Tham số",
        "download": "Tải kết quả",
        "open_editor": "Mở trong trình soạn SPARQL",
        "rows": "dòng",
        "chart": "Biểu đồ",
        "chart_declared": "các cột do dòng «# chart: ?nhãn ?giá_trị» của câu truy vấn chỉ định",
        "chart_guessed": "cột số đầu tiên theo cột chữ đầu tiên; thêm dòng"
        " «# chart: ?nhãn ?giá_trị»"
        " ở đầu câu truy vấn để chọn cột",
        "examples": "Câu hỏi mẫu",
        "definition": "Định nghĩa",
        "classes": "Lớp",
        "object_properties": "Thuộc tính quan hệ",
        "datatype_properties": "Thuộc tính dữ liệu",
        "concepts": "Khái niệm",
        "more": "còn nữa",
        "none": "Chưa có.",
        "language": "English",
        "error_400": "Yêu cầu chưa đúng",
        "error_404": "Không tìm thấy",
        "error_503": "Chưa sẵn sàng",
        "error_other": "Lỗi",
        "no_page": "Không có trang nào ở địa chỉ «{path}».",
        "bad_request": "Yêu cầu này chưa dùng được (một địa chỉ hay tham số chưa đúng);"
        " chi tiết kỹ thuật, bằng tiếng Anh, ở dưới.",
        "not_ready": "Máy chủ đang chuẩn bị dữ liệu này; hãy thử lại sau ít giây.",
        "failed": "Máy chủ chưa trả lời được yêu cầu này; chi tiết kỹ thuật ở dưới.",
        "go_plain": "Mở trang này không kèm tham số",
        "go_again": "Thử lại",
        "error_where": "Bạn có thể",
        "error_detail": "Chi tiết kỹ thuật",
        "unknown_resource": "Đồ thị không có gì mang địa chỉ {iri}.",
        "unknown_query": "Không có câu hỏi mẫu nào tên «{name}».",
        "bad_param": "Giá trị «{value}» của tham số «{param}» không dùng được.",
        "no_param": "Câu hỏi này không có tham số «{param}»; tham số của nó: {names}.",
        "no_match": "Tham số «{param}»: không có {kind} nào có mã hay tên «{value}».",
        "many_match": "Tham số «{param}»: «{value}» là tên của nhiều {kind}; hãy chọn một:",
        "kind_indicator": "chỉ tiêu",
        "kind_unit": "đơn vị hành chính",
        "kind_article": "bài báo",
        "kind_pillar": "trụ cột",
        "go_search": "Tìm «{q}»",
        "go_home": "Về trang chủ",
        "go_queries": "Xem danh sách câu hỏi mẫu",
        "go_query": "Mở câu hỏi «{title}» với giá trị mặc định",
        "pick_hint": "gõ tên hoặc mã, hoặc chọn trong danh sách",
        "editor_missing": "Trình soạn truy vấn không tải được: máy chủ thiếu tệp {files}"
        " (cài mà không có npm?). Người quản trị chạy «make web-assets» trong thư mục mã nguồn"
        " rồi khởi động lại máy chủ. Trong lúc chờ, biểu mẫu dưới đây vẫn gửi được truy vấn.",
    },
    "en": {
        "site": "Local digital transformation knowledge graph",
        "home": "Home",
        "queries": "Questions",
        "sparql": "SPARQL query",
        "downloads": "Downloads",
        "ontology": "Vocabulary",
        "search": "Search",
        "search_hint": "A locality, an indicator… (accents optional: binh thuy)",
        "articles": "Articles",
        "all_articles": "All articles, with the number of facts of each",
        "facts": "Facts",
        "localities": "Localities",
        "last_build": "Last build",
        "store_version": "Store version",
        "by_pillar": "Facts by pillar",
        "what": "What the graph holds",
        "results_for": "Results for",
        "no_results": "Nothing found.",
        "with_facts": "with facts",
        "types": "Types",
        "properties": "Properties",
        "incoming": "Referred to by",
        "evidence": "Source sentence",
        "in_article": "in the article",
        "value": "Value",
        "stated": "As written",
        "indicator": "Indicator",
        "area": "Area",
        "period": "Period",
        "pillar": "Pillar",
        "role": "Role",
        "breakdown": "Breakdown",
        "figure": "Figure",
        "all_facts": "All facts",
        "localities_with_data": "Localities with facts",
        "localities_count": "{n} localities have facts; each row leads to the table of its facts.",
        "filters": "Filters",
        "remove_filter": "remove filter",
        "more_values": "and other values",
        "shown_rows": "Rows {first}–{last} of {total}",
        "no_rows": "No fact matches these filters.",
        "prev_page": "← Previous page",
        "next_page": "Next page →",
        "page_of": "page {page} of {pages}",
        "this_page_as": "The data of exactly these rows:",
        "sort_by": "Sort by {col}",
        "bad_table_arg": "A table parameter cannot be used: {detail}",
        "qualifier_legend": "> more than, ≥ at least, < less than, ≤ at most, ≈ about:"
        " bounded or approximate values, not exact figures.",
        "like_with_like": "Only figures of the same indicator, role and breakdown are compared:"
        " {role}, {breakdown}.",
        "other_breakdowns": "Other breakdowns",
        "chart_like": "The chart compares figures of one breakdown and role only: {like};"
        " {n} rows of another breakdown or role are not drawn (see the table).",
        "build_warnings": "{n} build warnings (for the administrator)",
        "article": "Article",
        "parent": "Parent unit",
        "successor": "Since 1 July 2025 part of",
        "replaces": "Merged from",
        "facts_by_pillar": "Facts by pillar",
        "percent_chart": "Rates (%)",
        "compared": "Localities compared",
        "framework": "In the official frameworks",
        "deprecated": "Retired concept",
        "source_documents": "Source documents",
        "broader": "Part of",
        "narrower": "Parts",
        "indicators": "Indicators",
        "mentioned_in": "Mentioned in",
        "text": "Text (cleaned)",
        "formats": "Data",
        "run": "Run",
        "parameters": "Parameters",
        "download": "Download the result",
        "open_editor": "Open in the SPARQL editor",
        "rows": "rows",
        "chart": "Chart",
        "chart_declared": "the columns named by the query's «# chart: ?label ?value» line",
        "chart_guessed": "the first numeric column against the first text column; a"
        " «# chart: ?label ?value» line at the top of the query chooses them",
        "examples": "Example questions",
        "definition": "Definition",
        "classes": "Classes",
        "object_properties": "Object properties",
        "datatype_properties": "Datatype properties",
        "concepts": "Concepts",
        "more": "more",
        "none": "None yet.",
        "language": "Tiếng Việt",
        "error_400": "Bad request",
        "error_404": "Not found",
        "error_503": "Not ready yet",
        "error_other": "Error",
        "no_page": "There is no page at «{path}».",
        "bad_request": "This request cannot be answered: {detail}",
        "not_ready": "The server is preparing this data; try again in a few seconds.",
        "failed": "The server could not answer this request; the technical detail is below.",
        "go_plain": "Open this page without its parameters",
        "go_again": "Try again",
        "error_where": "Where to go",
        "error_detail": "Technical detail",
        "unknown_resource": "Nothing in the graph has the address {iri}.",
        "unknown_query": "There is no catalogue question named «{name}».",
        "bad_param": "The value «{value}» of the parameter «{param}» cannot be used.",
        "no_param": "This question has no parameter «{param}»; its parameters: {names}.",
        "no_match": "Parameter «{param}»: no {kind} has the code or name «{value}».",
        "many_match": "Parameter «{param}»: «{value}» names several {kind}s; pick one:",
        "kind_indicator": "indicator",
        "kind_unit": "administrative unit",
        "kind_article": "article",
        "kind_pillar": "pillar",
        "go_search": "Search for «{q}»",
        "go_home": "Go to the home page",
        "go_queries": "See the list of questions",
        "go_query": "Open «{title}» with its default values",
        "pick_hint": "type a name or a code, or pick from the list",
        "editor_missing": "The query editor cannot load: the server lacks {files} (installed"
        " without npm?). Its administrator runs «make web-assets» in the source tree and"
        " restarts the server. Meanwhile the form below still sends queries.",
    },
}


# ---------------------------------------------------------------- language


def current_lang() -> str:
    lang = request.args.get("lang")
    if lang in LANGS:
        return lang
    cookie = request.cookies.get("lang")
    return cookie if cookie in LANGS else "vi"


@bp.after_app_request
def remember_lang(resp: Response) -> Response:
    lang = request.args.get("lang")
    if lang in LANGS and request.cookies.get("lang") != lang:
        resp.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
    return resp


@bp.app_context_processor
def template_globals() -> dict[str, object]:
    lang = current_lang()
    other = "en" if lang == "vi" else "vi"
    args = request.args.to_dict()
    args["lang"] = other
    switch = request.path + "?" + "&".join(f"{k}={quote_arg(v)}" for k, v in args.items())
    return {
        "lang": lang,
        "t": TEXT[lang],
        "urls": urls,
        "lang_switch": switch,
        "catalogue_queries": catalogue.load_all,
        "catalogue_examples": catalogue_examples,
        "default_query": default_query,
        "prefixes": PREFIXES,
        "chart_rows": CHART_ROWS,
        "chart_like_columns": CHART_LIKE,
        "qualifier_signs": words.QUALIFIER_SIGNS,
        "role_words": {code: words.role_label(code, lang) for code in words.ROLES},
        "breakdown_words": breakdown_words,
        "editor_missing": assets.missing,
        "pillar_label": pillar_label,
    }


@bp.app_template_filter("role")
def _role(value: str) -> str:
    return words.role_label(value, current_lang())


@bp.app_template_filter("qualifier")
def _qualifier(value: str) -> str:
    return words.qualifier_label(value, current_lang())


@bp.app_template_filter("column")
def _column(name: str) -> str:
    return words.column_label(name, current_lang())


@bp.app_template_filter("param_label")
def _param_label(name: str) -> str:
    return words.param_label(name, current_lang())


@bp.app_template_filter("param_help")
def _param_help(name: str, english: str) -> str:
    return words.param_help(name, english, current_lang())


@bp.app_template_filter("count_label")
def _count_label(key: str) -> str:
    return words.count_label(key, current_lang())


@bp.app_template_filter("status_label")
def _status_label(status: str) -> str:
    return words.status_label(status, current_lang())


@bp.app_template_filter("when")
def _when(stamp: str | None) -> str:
    return words.when(stamp, current_lang())


def pillar_label(code: str) -> str:
    """A pillar's label from its notation (``digital-government``), in the page's language."""
    from cdskg.web.context import store
    from cdskg.web.pages.graph import label

    st, _version = store()
    return label(st, ox.NamedNode(ID + "pillar/" + code), current_lang())


@bp.record_once
def _say_when_editor_files_are_missing(_state) -> None:
    absent = assets.missing()
    if absent:
        log.warning(
            "the query editor's files are missing from %s: %s; the /sparql page says so."
            " Run `make web-assets` (npm) in the source tree, or install from a wheel built"
            " with npm",
            assets.VENDOR,
            ", ".join(absent),
        )


def with_prologue(text: str) -> str:
    """A query's text with PREFIX lines for the prefixes it uses, after its comment header
    (the endpoint predeclares them, but an editor wants to see them declared)."""
    lines = text.splitlines()
    head = 0
    while head < len(lines) and lines[head].startswith("#"):
        head += 1
    body = "\n".join(lines[head:])
    used = [p for p in PREFIXES if re.search(rf"(?<![\w<-]){re.escape(p)}:", body)]
    prologue = [f"PREFIX {p}: <{PREFIXES[p]}>" for p in used]
    return "\n".join([*lines[:head], *prologue, *lines[head:]]) + "\n"


def _with_defaults(q: catalogue.CatalogueQuery) -> str:
    """For the editor only: the declared defaults as a VALUES line, so that the example
    runs as its page does (the API binds them with substitutions instead)."""
    values = [
        f"  VALUES ?{p.name} {{ {p.term(p.default)} }}  # {p.help or 'parameter'}"
        for p in q.params
        if p.default is not None
    ]
    where = q.text.find("WHERE {")
    if not values or where < 0:
        return q.text
    cut = where + len("WHERE {")
    return q.text[:cut] + "\n" + "\n".join(values) + q.text[cut:]


def catalogue_examples(lang: str) -> list[dict[str, str]]:
    return [
        {
            "name": q.name,
            "title": q.title(lang),
            "description": q.description(lang),
            "text": with_prologue(_with_defaults(q)),
        }
        for q in catalogue.load_all()
    ]


def default_query() -> str:
    return with_prologue(
        "SELECT ?obs ?areaLabel ?stated ?indicator WHERE {\n"
        "  ?obs a qb:Observation ; sdmx-dimension:refArea ?area ;\n"
        "       cdskg:statedAs ?stated ; cdskg:indicator ?indicator .\n"
        "  ?area rdfs:label ?areaLabel .\n"
        "} LIMIT 20"
    )


def quote_arg(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def wants_html() -> bool:
    """Whether an error should be a page: the Accept header names an HTML type (browsers
    do) and does not rank JSON above it. Clients asking for JSON, or for anything (``*/*``,
    as curl does), keep the one JSON error shape."""
    html = json = 0.0
    for media, q in parse_accept(request.headers.get("Accept")):
        if media in HTML_TYPES:
            html = max(html, q)
        elif media in ("application/json", "application/problem+json"):
            json = max(json, q)
    return html > 0 and html >= json


#: Paths whose errors stay JSON whatever the Accept header: the SPARQL and Graph Store
#: protocols, their clients (YASGUI too) read the error shape.
PROTOCOL_PATHS = ("/sparql", "/store", "/graph", "/health")


def browser_error(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response | None:
    """An error met by a browser reading a page (GET or HEAD, an HTML Accept, not a
    protocol path), as a page in the site's language saying what went wrong and where to
    go (the detail, in English, under "technical detail"); None for everyone else, who
    get the JSON error shape (issue 21, point 8)."""
    if request.method not in ("GET", "HEAD") or not wants_html():
        return None
    if any(request.path == p or request.path.startswith(p + "/") for p in PROTOCOL_PATHS):
        return None
    t = TEXT[current_lang()]
    links: list[tuple[str, str]] = []
    if status == 404:
        message = t["no_page"].format(path=request.path)
        last = request.path.rstrip("/").rsplit("/", 1)[-1]
        last = re.sub(r"[-_.]+", " ", last).strip()
        if last:
            links.append((urls.search(last), t["go_search"].format(q=last)))
    elif status == 503:
        message = t["not_ready"]
        links.append((request.full_path.rstrip("?"), t["go_again"]))
    elif 400 <= status < 500:
        message = t["bad_request"].format(detail=detail)
        if request.args:
            links.append((request.path, t["go_plain"]))
    else:
        message = t["failed"]
    links.append((urls.queries(), t["go_queries"]))
    resp = error_page(status, title, detail, message=message, links=links, html=True)
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def error_page(
    status: int,
    title: str,
    detail: str,
    *,
    message: str,
    links: list[tuple[str, str]] = (),
    candidates: list[tuple[str, str]] = (),
    html: bool | None = None,
) -> Response:
    """An error as a page in the site's language for browsers (``message``, a list of
    ``(href, text)`` to go on with and of ``candidates`` to pick from), as the JSON error
    shape ``{status, error, detail}`` for everyone else (``html`` decides instead of the
    Accept header, for a view that already chose HTML)."""
    from flask import render_template

    from cdskg.web.errors import error_response

    if not (wants_html() if html is None else html):
        return error_response(status, title, detail)
    t = TEXT[current_lang()]
    body = render_template(
        "error.html",
        status=status,
        heading=t.get(f"error_{status}", t["error_other"]),
        message=message,
        detail=detail,
        links=[*links, (urls.home(), t["go_home"])],
        candidates=list(candidates),
    )
    return Response(body, status=status, mimetype="text/html")


def wanted_format() -> str | None:
    """``html`` or an RDF format name from ?format= or Accept; None when nothing fits."""
    fmt = request.args.get("format")
    if fmt:
        return fmt if fmt in RDF_FORMATS or fmt == "html" else None
    for media, _q in parse_accept(request.headers.get("Accept")):
        if media in HTML_TYPES or media in ("text/*", "*/*"):
            return "html"
        if media in RDF_MEDIA:
            return RDF_MEDIA[media]
        if media == "application/*":
            return "jsonld"
    return None


#: Rows a result chart draws (catalogue pages and the editor alike).
CHART_ROWS = 60


def bars(
    items: list[tuple[str, float, str | None]],
    lang: str | None = None,
    *,
    signs: list[str] | None = None,
) -> list[dict[str, object]]:
    """Bars for the ``bars`` macro: label, value, link, width in percent of the largest
    value, and the value as shown (in ``lang``, by default the page's, after the qualifier's
    sign in ``signs``, one per item: ``≥ 97``). ``static/query-ui.js``
    draws the editor's chart with the same rule and markup (an SVG bar: no inline style,
    which the CSP forbids).

    >>> [(b["width"], b["shown"]) for b in bars([("a", 50, None), ("b", 12.5, None)], "en")]
    [(100.0, '50'), (25.0, '12.5')]
    """
    if lang is None:
        lang = current_lang() if has_request_context() else "en"
    top = max((v for _, v, _ in items), default=0) or 1
    return [
        {
            "label": lab,
            "value": v,
            "href": href,
            "width": round(100 * max(v, 0) / top, 1),
            "shown": (f"{sign} " if sign else "") + chart_number(v, lang),
        }
        for (lab, v, href), sign in zip(items, signs or [""] * len(items), strict=True)
    ]


def chart_number(value: float, lang: str = "en") -> str:
    """A chart value as people write it, and as ``query-ui.js`` writes it (the browser's
    ``Intl.NumberFormat`` for vi-VN or en-GB): grouped thousands, at most four decimals.

    >>> chart_number(68350.0, "vi"), chart_number(90.13, "vi"), chart_number(1 / 3, "vi")
    ('68.350', '90,13', '0,3333')
    >>> chart_number(68350.0), chart_number(90.13), chart_number(-2.5)
    ('68,350', '90.13', '-2.5')
    """
    text = f"{float(value):,.4f}".rstrip("0").rstrip(".")
    if lang == "vi":
        text = text.translate(str.maketrans(",.", ".,"))
    return text


#: Columns of a result whose values must be the same on every bar of its chart (issue 21,
#: point 1: a ward average or a target is never drawn beside a district's actual total).
CHART_LIKE = ("breakdown", "role")
#: The column whose codes (``more-than``, ``at-least`` …) put their sign before a bar's value.
CHART_QUALIFIER = "qualifier"


def chart_values(
    columns: list[str], chart: tuple[str, str] | None, rows: list[list]
) -> dict[str, object]:
    """The chart of a result, from the query's ``# chart: ?LABEL ?VALUE`` header (``rows``
    as :func:`~.graph.link` makes them, before codes are put into words): ``items``, the
    ``(label, value, href)`` of each bar; ``signs``, the sign of each bar's qualifier when
    the result has a ``qualifier`` column (``>`` for ``more-than``); ``like``, the cells of
    the ``breakdown`` and ``role`` columns every bar shares when the rows had several (the
    most frequent, the first of equals; the other rows are left out, counted in
    ``left_out``). Rows whose value is not a number are left out, and there are no bars
    when the query declares no chart or its columns are not in the result.
    ``static/query-ui.js`` draws the editor's chart by the same rule.

    >>> cell = lambda text, href=None: {"text": text, "href": href}
    >>> rows = [[cell("A"), cell("81"), cell("more-than"), cell("total", "/b/total")],
    ...         [cell("A"), cell("97"), cell("at-least"), cell("average", "/b/avg")],
    ...         [cell("B"), cell("67"), cell("exact"), cell("total", "/b/total")]]
    >>> c = chart_values(["l", "v", "qualifier", "breakdown"], ("l", "v"), rows)
    >>> c["items"], c["signs"], [x["text"] for x in c["like"]], c["left_out"]
    ([('A', 81.0, None), ('B', 67.0, None)], ['>', ''], ['total'], 1)
    """
    if not chart or chart[0] not in columns or chart[1] not in columns:
        return {"items": [], "signs": [], "like": [], "left_out": 0}
    li, vi = columns.index(chart[0]), columns.index(chart[1])
    drawn = []
    for row in rows:
        label, value = row[li], row[vi]
        if label is None or value is None or value.get("href"):
            continue
        try:
            number = float(value["text"])
        except ValueError:
            continue
        if math.isfinite(number):
            drawn.append((row, (label["text"], number, label.get("href"))))
    like = []
    before = len(drawn)
    for column in CHART_LIKE:
        if column not in columns:
            continue
        at = columns.index(column)
        counts: dict[str, int] = {}
        cells: dict[str, dict] = {}
        for row, _ in drawn:
            key = _cell_key(row[at])
            counts[key] = counts.get(key, 0) + 1
            cells.setdefault(key, row[at])
        if len(counts) > 1:
            chosen = max(counts, key=counts.__getitem__)  # the first of equals
            drawn = [(row, item) for row, item in drawn if _cell_key(row[at]) == chosen]
            like.append({"column": column, **(cells[chosen] or {"text": ""})})
    left_out = before - len(drawn)
    drawn = drawn[:CHART_ROWS]
    qi = columns.index(CHART_QUALIFIER) if CHART_QUALIFIER in columns else None
    signs = [
        words.QUALIFIER_SIGNS.get(row[qi]["text"], "") if qi is not None and row[qi] else ""
        for row, _ in drawn
    ]
    return {
        "items": [item for _, item in drawn],
        "signs": signs,
        "like": like,
        "left_out": left_out,
    }


def breakdown_words(lang: str) -> dict[str, str]:
    """``{IRI: label}`` of the store's breakdowns, for the editor's chart caption."""
    st, _version = store()
    scheme = ox.NamedNode(ID + "scheme/breakdowns")
    in_scheme = iri_node("http://www.w3.org/2004/02/skos/core#inScheme")
    found = sorted({t.subject.value for t in triples_of(st, None, in_scheme, scheme)})
    return {b: label(st, ox.NamedNode(b), lang) for b in found}


def _cell_key(cell: dict | None) -> str:
    """What tells a cell's value apart: its link (an IRI), else its text."""
    if cell is None:
        return ""
    return cell.get("href") or cell.get("text") or ""
