"""``/search``: names, indicator labels and evidence sentences, accent-insensitive, ranked,
with the matching words highlighted; as a page, or as JSON (``Accept: application/json``
or ``?format=json``). The words are looked up in the store version's search index
(:mod:`cdskg.publish.search_index`), written once per version by the preparer."""

from __future__ import annotations

from pathlib import Path

from flask import jsonify, render_template, request
from markupsafe import Markup, escape

from cdskg.publish import prepare, search_index
from cdskg.rdf.namespaces import CDSKG
from cdskg.text.fold import fold
from cdskg.web import urls
from cdskg.web.context import settings, store
from cdskg.web.errors import HttpError
from cdskg.web.negotiation import best
from cdskg.web.pages.common import bp, current_lang
from cdskg.web.pages.graph import iri_node, label

#: Hits on one page, and the most a client may ask for (``?limit=``).
PAGE_SIZE = 20
MAX_LIMIT = 100

#: The search page's own words (the shared ones are in :data:`common.TEXT`).
WORDS = {
    "vi": {
        "kind": {"name": "tên", "indicator": "chỉ tiêu", "sentence": "câu nguồn"},
        "found": "{total} kết quả",
        "in_article": "trong bài",
        "figures": "số liệu",
        "within": "thuộc",
        "next": "Trang sau",
        "previous": "Trang trước",
        "hint": "Tìm theo tên địa phương, chỉ tiêu hoặc câu trong bài; không cần dấu.",
    },
    "en": {
        "kind": {"name": "name", "indicator": "indicator", "sentence": "sentence"},
        "found": "{total} results",
        "in_article": "in",
        "figures": "facts",
        "within": "in",
        "next": "Next page",
        "previous": "Previous page",
        "hint": "Search for places, indicators or sentences of the articles; accents optional.",
    },
}


def _wants_json() -> bool:
    asked = request.args.get("format")
    if asked:
        if asked not in ("json", "html"):
            raise HttpError(400, "bad format", f"format={asked!r}: use json or html")
        return asked == "json"
    return best(request.headers.get("Accept"), ["text/html", "application/json"]) == (
        "application/json"
    )


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HttpError(400, "bad parameter", f"{name}={raw!r}: give a whole number") from None
    if not low <= value <= high:
        raise HttpError(400, "bad parameter", f"{name}={value}: give {low} to {high}")
    return value


def _index(version: str) -> Path:
    from cdskg.web.downloads import not_on_remote

    not_on_remote("the search index and /search")
    s = settings()
    assert s.store is not None  # create_app refuses to start without one
    root = Path(s.store)
    folder = prepare.downloads_root(root) / version
    found = prepare.ensure_search_index(root, version, folder, wait=s.downloads_wait)
    if isinstance(found, prepare.Pending):
        detail = (
            f"writing the search index of store version {version} failed ({found.failed});"
            " see the server log"
            if found.failed
            else f"the search index of store version {version} is being written;"
            " try again in a few seconds"
        )
        raise HttpError(503, "search index being prepared", detail, {"Retry-After": "5"})
    return found


def marked(text: str, spans: list[tuple[int, int]]) -> Markup:
    """``text`` escaped, with ``<mark>`` around ``spans`` (the article text never becomes
    markup: only the marks are ours)."""
    out, at = [], 0
    for start, end in spans:
        out.append(escape(text[at:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


#: What a hit's JSON carries of its index entry, besides the shown text.
_PASSED_ON = ("article", "observations", "areas", "indicators", "parent", "evidence")


def _hit(hit: search_index.Hit, lang: str, st) -> dict[str, object]:
    """What the page and the JSON say of one hit."""
    extra = hit.extra
    names = {"title": hit.title}
    if hit.kind == "sentence":
        names["title"] = label(st, iri_node(str(extra["article"])), lang)
        names["areas"] = [label(st, iri_node(a), lang) for a in extra["areas"]]  # type: ignore[union-attr]
        names["indicators"] = [label(st, iri_node(i), lang) for i in extra["indicators"]]  # type: ignore[union-attr]
    else:
        names["title"] = label(st, iri_node(hit.iri), lang)
        types = [t for t in extra.get("types", ()) if t.startswith(CDSKG)]  # type: ignore[union-attr]
        names["types"] = sorted({label(st, iri_node(t), lang) for t in types})
        if extra.get("parent"):
            names["parent"] = label(st, iri_node(str(extra["parent"])), lang)
    return {
        "kind": hit.kind,
        "iri": hit.iri,
        "href": urls.resource(hit.iri),
        "text": hit.text,
        "highlights": [list(s) for s in hit.spans],
        "score": round(hit.score, 3),
        "facts": extra.get("facts", 0),
        **{
            k: v
            for k, v in extra.items()
            if k in ("article", "observations", "areas", "indicators", "parent", "evidence")
        },
        "labels": names,
    }


@bp.get("/search")
def search():
    st, version = store()
    lang = current_lang()
    words = WORDS[lang]
    as_json = _wants_json()
    q = request.args.get("q", "").strip()
    limit = _int_arg("limit", PAGE_SIZE, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 1_000_000)
    results = None
    if q:
        results = search_index.search(_index(version), q, limit=limit, offset=offset)
    hits = [_hit(h, lang, st) for h in results.hits] if results else []
    if as_json:
        return jsonify(
            {
                "q": q,
                "words": results.words if results else [],
                "total": results.total if results else 0,
                "offset": offset,
                "limit": limit,
                "store_version": version,
                "results": hits,
            }
        )
    for h, raw in zip(hits, results.hits if results else [], strict=True):
        _mark_up(h, raw, results.words if results else [])
    total = results.total if results else 0
    pages = {
        "previous": _page_url(q, max(0, offset - limit), limit) if offset > 0 else None,
        "next": _page_url(q, offset + limit, limit) if offset + limit < total else None,
    }
    return render_template(
        "search.html",
        q=q,
        search_text=q,
        results=hits,
        total=total,
        offset=offset,
        pages=pages,
        w=words,
        json_url=_page_url(q, offset, limit, fmt="json"),
    )


def _marked_words(text: str, words: list[str]) -> Markup:
    return marked(text, search_index.highlight(text, words, prefix=words[-1] if words else None))


def _mark_up(h: dict[str, object], raw: search_index.Hit, words: list[str]) -> None:
    """The page's forms of a hit: its text with the query's words marked; for a thing, its
    name marked and its other matching labels (those its name does not already say)."""
    names: dict = h["labels"]  # type: ignore[assignment]
    h["html"] = marked(raw.text, raw.spans)
    h["title_html"] = _marked_words(str(names["title"]), words)
    if raw.kind == "sentence":
        h["areas_html"] = [_marked_words(a, words) for a in names["areas"]]
        return
    title = fold(str(names["title"]))
    others = [lb for lb in raw.text.split(search_index.LABEL_SEPARATOR) if fold(lb) not in title]
    h["others_html"] = [_marked_words(lb, words) for lb in others]


def _page_url(q: str, offset: int, limit: int, fmt: str | None = None) -> str:
    url = urls.search(q)
    if offset:
        url += f"&offset={offset}"
    if limit != PAGE_SIZE:
        url += f"&limit={limit}"
    if fmt:
        url += f"&format={fmt}"
    return url
