"""HTML pages for people: home, search, resource pages for every minted IRI (``/id/…``),
the ontology documentation, the query catalogue (pages and JSON/CSV API).

Every view reads the request, calls :mod:`cdskg.browse` -style helpers here or the catalogue,
and renders a template; article text reaches templates as plain strings (Jinja escapes
them), never as markup.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, abort, make_response, render_template, request

from cdskg import catalogue, urls
from cdskg.errors import QueryError
from cdskg.iri import fold
from cdskg.namespaces import (
    CDSKG,
    FOAF,
    ID,
    OA,
    PREFIXES,
    QB,
    RDF,
    RDFS,
    SCHEMA,
    SDMX_DIMENSION,
    SDMX_MEASURE,
    SKOS,
    XSD,
)
from cdskg.negotiation import parse_accept
from cdskg.query import RESULT_FORMATS, run_query
from cdskg.resources import project_paths
from cdskg.stats import summary
from cdskg.web.context import store
from cdskg.web.errors import error_response

bp = Blueprint("pages", __name__)

LANGS = ("vi", "en")
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: RDF representations of a resource page: format name -> (pyoxigraph format, media type)
RDF_FORMATS = {
    "ttl": (ox.RdfFormat.TURTLE, "text/turtle"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
    "nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
}
_RDF_MEDIA = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/n-triples": "nt",
}
#: cdsid: is left out: its local names have slashes, which Turtle must escape.
_RDF_PREFIXES = {k: v for k, v in PREFIXES.items() if k != "cdsid"}
FORMAT_NAMES = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples"}

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
        "article": "Bài báo",
        "parent": "Đơn vị cấp trên",
        "successor": "Sau 1/7/2025 thuộc",
        "replaces": "Hợp nhất từ",
        "facts_by_pillar": "Số liệu theo trụ cột",
        "percent_chart": "Các tỷ lệ (%)",
        "compared": "So sánh giữa các địa phương",
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
        "examples": "Câu hỏi mẫu",
        "definition": "Định nghĩa",
        "classes": "Lớp",
        "object_properties": "Thuộc tính quan hệ",
        "datatype_properties": "Thuộc tính dữ liệu",
        "concepts": "Khái niệm",
        "more": "còn nữa",
        "none": "Chưa có.",
        "language": "English",
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
        "article": "Article",
        "parent": "Parent unit",
        "successor": "Since 1 July 2025 part of",
        "replaces": "Merged from",
        "facts_by_pillar": "Facts by pillar",
        "percent_chart": "Rates (%)",
        "compared": "Localities compared",
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
        "examples": "Example questions",
        "definition": "Definition",
        "classes": "Classes",
        "object_properties": "Object properties",
        "datatype_properties": "Datatype properties",
        "concepts": "Concepts",
        "more": "more",
        "none": "None yet.",
        "language": "Tiếng Việt",
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
    switch = request.path + "?" + "&".join(f"{k}={_q(v)}" for k, v in args.items())
    return {
        "lang": lang,
        "t": TEXT[lang],
        "urls": urls,
        "lang_switch": switch,
        "catalogue_queries": catalogue.load_all,
        "catalogue_examples": catalogue_examples,
        "default_query": default_query,
        "prefixes": PREFIXES,
    }


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


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


# ---------------------------------------------------------------- helpers over the graph


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _triples(st: ox.Store, s=None, p=None, o=None) -> list[ox.Triple]:
    """Distinct triples over the union of all graphs."""
    seen: dict[tuple, ox.Triple] = {}
    for q in st.quads_for_pattern(s, p, o, None):
        t = q.triple
        seen.setdefault((t.subject, t.predicate, t.object), t)
    return list(seen.values())


def _objects(st: ox.Store, s: ox.NamedNode, p: str) -> list:
    return [t.object for t in _triples(st, s, _node(p))]


def _one(st: ox.Store, s: ox.NamedNode, p: str):
    objs = _objects(st, s, p)
    return objs[0] if objs else None


def compact(iri: str) -> str:
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, name = ns, prefix
    if best:
        local = iri[len(best) :]
        return f"{name}:{local}"
    return iri


def label(st: ox.Store, term, lang: str) -> str:
    """The best label of a term in ``lang`` (then Vietnamese, then any), else its short IRI."""
    if isinstance(term, ox.Literal):
        return term.value
    if not isinstance(term, ox.NamedNode):
        return str(term)
    found: dict[str, str] = {}
    for p in (SKOS + "prefLabel", RDFS + "label", SCHEMA + "headline", FOAF + "name"):
        for o in _objects(st, term, p):
            if isinstance(o, ox.Literal):
                found.setdefault(o.language or "", o.value)
        if found:
            break
    for key in (lang, "vi", "", "en"):
        if key in found:
            return found[key]
    if found:
        return next(iter(found.values()))
    iri = term.value
    if iri.startswith(ID + "period/"):
        return iri[len(ID + "period/") :].replace("--", " – ")
    return compact(iri)


def types_of(st: ox.Store, node: ox.NamedNode) -> set[str]:
    return {o.value for o in _objects(st, node, RDF + "type")}


def link(st: ox.Store, term, lang: str) -> dict[str, object]:
    """What a template needs to show a term: text, href (or None), kind."""
    if isinstance(term, ox.NamedNode):
        return {"text": label(st, term, lang), "href": _href(term.value), "iri": term.value}
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype else ""
        note = term.language or (compact(dt) if dt and dt != XSD + "string" else "")
        return {"text": term.value, "href": None, "note": note}
    return {"text": str(term), "href": None}


def _href(iri: str) -> str:
    return urls.resource(iri) or iri


# ---------------------------------------------------------------- home and search


@bp.get("/")
def home():
    st, version = store()
    lang = current_lang()
    info = summary(st)
    for p in info["pillars"]:
        p["label"] = label(st, _node(p["pillar"]), lang)
        p["href"] = urls.resource(p["pillar"])
    articles = [
        {"href": urls.resource(a.value), "text": label(st, a, lang)}
        for a in sorted(
            {
                t.subject
                for t in _triples(st, None, _node(RDF + "type"), _node(SCHEMA + "NewsArticle"))
            },
            key=lambda n: n.value,
        )
    ]
    resp = make_response(
        render_template("home.html", summary=info, version=version, articles=articles)
    )
    return resp


@bp.get("/search")
def search():
    st, version = store()
    lang = current_lang()
    q = request.args.get("q", "").strip()
    hits = _search(st, version, q)[:50] if q else []
    results = []
    for iri, text, n in hits:
        node = _node(iri)
        parent = _one(st, node, CDSKG + "parentUnit")
        kind = sorted(compact(t) for t in types_of(st, node) if t.startswith(CDSKG))
        results.append(
            {
                "href": urls.resource(iri),
                "text": label(st, node, lang),
                "matched": text,
                "iri": iri,
                "facts": n,
                "parent": label(st, parent, lang) if parent is not None else None,
                "kind": ", ".join(kind),
            }
        )
    return render_template("search.html", q=q, results=results)


_INDEX: dict[str, tuple[list[tuple[str, str, str]], dict[str, int]]] = {}


def _label_index(st: ox.Store, version: str) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """(folded label, label, IRI) of every cdskg thing, and fact counts; per store version."""
    if version in _INDEX:
        return _INDEX[version]
    rows = run_query(
        st,
        """SELECT DISTINCT ?s ?l WHERE {
             { ?s rdfs:label ?l } UNION { ?s skos:prefLabel ?l } UNION { ?s skos:altLabel ?l }
             FILTER(isIRI(?s) && STRSTARTS(STR(?s), "https://w3id.org/cdskg/"))
           }""",
    )
    index = [(fold(r["l"].value), r["l"].value, r["s"].value) for r in rows]
    counts: dict[str, int] = {}
    for r in run_query(
        st,
        """SELECT ?s (COUNT(DISTINCT ?o) AS ?n) WHERE {
             { ?o sdmx-dimension:refArea ?s } UNION { ?o cdskg:indicator ?s }
             UNION { ?o cdskg:pillar ?s } UNION { ?o cdskg:sourceArticle ?s }
           } GROUP BY ?s""",
    ):
        counts[r["s"].value] = int(r["n"].value)
    _INDEX.clear()
    _INDEX[version] = (index, counts)
    return index, counts


def _search(st: ox.Store, version: str, q: str) -> list[tuple[str, str, int]]:
    """Labels matching every word of ``q`` after folding accents and case; things with
    facts first, then exact, then prefix matches, then shorter labels."""
    index, counts = _label_index(st, version)
    words = fold(q).split()
    if not words:
        return []
    phrase = " ".join(words)
    best: dict[str, tuple] = {}
    for folded, text, iri in index:
        if all(w in folded for w in words):
            key = (
                -counts.get(iri, 0),
                folded != phrase and not folded.endswith(" " + phrase),
                not folded.startswith(words[0]),
                len(folded),
                text,
            )
            if iri not in best or key < best[iri][0]:
                best[iri] = (key, text)
    ranked = sorted(best.items(), key=lambda kv: kv[1][0])
    return [(iri, text, counts.get(iri, 0)) for iri, (_key, text) in ranked]


# ---------------------------------------------------------------- resource pages


def _wanted_format() -> str | None:
    """``html`` or an RDF format name from ?format= or Accept; None when nothing fits."""
    fmt = request.args.get("format")
    if fmt:
        return fmt if fmt in RDF_FORMATS or fmt == "html" else None
    for media, _q in parse_accept(request.headers.get("Accept")):
        if media in HTML_TYPES or media in ("text/*", "*/*"):
            return "html"
        if media in _RDF_MEDIA:
            return _RDF_MEDIA[media]
        if media == "application/*":
            return "jsonld"
    return None


def _alternates(iri: str) -> list[dict[str, str]]:
    return [
        {"href": urls.resource(iri, fmt), "type": RDF_FORMATS[fmt][1], "name": FORMAT_NAMES[fmt]}
        for fmt in RDF_FORMATS
    ]


def _link_header(iri: str) -> str:
    return ", ".join(
        f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in _alternates(iri)
    )


def describe(st: ox.Store, node: ox.NamedNode) -> list[ox.Triple]:
    """The resource's own triples and those of its ``#fragment`` parts (e.g. selectors)."""
    out = _triples(st, node)
    for t in list(out):
        o = t.object
        if isinstance(o, ox.NamedNode) and o.value.startswith(node.value + "#"):
            out += _triples(st, o)
    return out


@bp.get("/id/<path:rest>")
def resource(rest: str):
    st, version = store()
    iri = urls.iri_of_path(rest)
    try:
        node = _node(iri)
    except ValueError:
        abort(404)
    fmt = _wanted_format()
    if fmt is None:
        offered = ", ".join(["text/html", *(m for _, m in RDF_FORMATS.values())])
        return error_response(
            406, "not acceptable", f"offered: {offered}; or ?format=ttl|jsonld|nt"
        )
    triples = describe(st, node)
    incoming = _triples(st, None, None, node)
    if not triples and not incoming:
        return error_response(404, "not found", f"nothing is known about <{iri}>")
    if fmt != "html":
        rdf_format, media = RDF_FORMATS[fmt]
        body = ox.serialize(triples, format=rdf_format, prefixes=_RDF_PREFIXES)
        resp = Response(body, mimetype=media)
    else:
        resp = make_response(_resource_html(st, node, triples, incoming))
    resp.headers["Link"] = _link_header(iri)
    resp.headers["Vary"] = "Accept"
    resp.headers["X-Store-Version"] = version
    return resp


def _resource_html(st, node, triples, incoming) -> str:
    lang = current_lang()
    iri = node.value
    types = types_of(st, node)
    props: dict[str, list] = {}
    for t in triples:
        if t.subject != node:
            continue
        if t.predicate.value == SCHEMA + "text":
            continue  # shown as the article body
        props.setdefault(t.predicate.value, []).append(link(st, t.object, lang))
    properties = [
        {"predicate": link(st, _node(p), lang), "compact": compact(p), "values": vals}
        for p, vals in sorted(props.items(), key=lambda kv: compact(kv[0]))
    ]
    inc = [
        {"subject": link(st, t.subject, lang), "predicate": compact(t.predicate.value)}
        for t in sorted(incoming, key=lambda t: (t.predicate.value, str(t.subject)))
        if isinstance(t.subject, ox.NamedNode)
    ]
    ctx: dict[str, object] = {
        "iri": iri,
        "title": label(st, node, lang),
        "types": [link(st, _node(t), lang) for t in sorted(types)],
        "properties": properties,
        "incoming": inc[:200],
        "incoming_more": max(0, len(inc) - 200),
        "alternates": _alternates(iri),
        "kind": "generic",
    }
    if QB + "Observation" in types:
        ctx.update(kind="observation", **_observation(st, node, lang))
    elif OA + "SpecificResource" in types:
        ctx.update(kind="evidence", evidence=_evidence(st, node))
    elif SCHEMA + "NewsArticle" in types:
        ctx.update(kind="article", **_article(st, node, lang))
    elif CDSKG + "AdministrativeUnit" in types:
        ctx.update(kind="locality", **_locality(st, node, lang))
    elif CDSKG + "Pillar" in types:
        ctx.update(kind="pillar", **_pillar(st, node, lang))
    elif CDSKG + "Indicator" in types:
        ctx.update(kind="indicator", **_indicator(st, node, lang))
    mentioned = [t.subject for t in _triples(st, None, _node(SCHEMA + "mentions"), node)]
    mentioned += _objects(st, node, CDSKG + "mentionedIn")
    ctx["mentioned_in"] = [link(st, a, lang) for a in dict.fromkeys(mentioned)]
    definition = [o for o in _objects(st, node, SKOS + "definition") if isinstance(o, ox.Literal)]
    ctx["definition"] = next(
        (d.value for d in definition if d.language == lang),
        definition[0].value if definition else None,
    )
    return render_template("resource.html", **ctx)


_FACTS = """
SELECT ?obs ?area ?indicator ?pillar ?value ?stated ?role ?period ?article ?unit ?end WHERE {
  ?obs a qb:Observation ; sdmx-dimension:refArea ?area ; cdskg:indicator ?indicator ;
       cdskg:pillar ?pillar ; sdmx-measure:obsValue ?value ; cdskg:statedAs ?stated ;
       cdskg:valueRole ?role ; sdmx-dimension:refPeriod ?period ; cdskg:sourceArticle ?article ;
       sdmx-attribute:unitMeasure ?unit .
  OPTIONAL { ?period time:inXSDDate ?end }
  OPTIONAL { ?period time:hasEnd/time:inXSDDate ?end }
}"""


def _facts(st: ox.Store, lang: str, **bind: str) -> list[dict[str, object]]:
    """Observations with one or more of area/indicator/pillar/article bound (substitutions)."""
    subs = {ox.Variable(k): _node(v) for k, v in bind.items()}
    seen = set()
    out = []
    for r in run_query(st, _FACTS, substitutions=subs):
        if r["obs"].value in seen:
            continue
        seen.add(r["obs"].value)
        out.append(
            {
                "obs": link(st, r["obs"], lang) | {"text": r["stated"].value},
                "area": link(st, r["area"], lang),
                "indicator": link(st, r["indicator"], lang),
                "pillar": link(st, r["pillar"], lang),
                "pillar_iri": r["pillar"].value,
                "value": float(r["value"].value),
                "stated": r["stated"].value,
                "role": r["role"].value,
                "period": link(st, r["period"], lang),
                "end": r["end"].value if r["end"] else "",
                "article": link(st, r["article"], lang),
                "percent": r["unit"].value.endswith("/PERCENT"),
            }
        )
    out.sort(key=lambda f: (f["pillar"]["text"], f["indicator"]["text"], f["end"], f["value"]))
    return out


def _by_pillar(facts: list[dict]) -> list[dict[str, object]]:
    groups: dict[str, dict] = {}
    for f in facts:
        g = groups.setdefault(f["pillar_iri"], {"pillar": f["pillar"], "facts": []})
        g["facts"].append(f)
    return sorted(groups.values(), key=lambda g: -len(g["facts"]))


def _bars(items: list[tuple[str, float, str | None]]) -> list[dict[str, object]]:
    top = max((v for _, v, _ in items), default=0) or 1
    return [
        {"label": lab, "value": v, "href": href, "width": round(100 * max(v, 0) / top, 1)}
        for lab, v, href in items
    ]


def _evidence(st: ox.Store, ev: ox.NamedNode) -> dict[str, object] | None:
    """The evidence sentence and its surroundings in the article's stored text."""
    article = _one(st, ev, OA + "hasSource")
    start = end = exact = None
    for sel in _objects(st, ev, OA + "hasSelector"):
        kinds = types_of(st, sel)
        if OA + "TextPositionSelector" in kinds:
            start = int(_one(st, sel, OA + "start").value)
            end = int(_one(st, sel, OA + "end").value)
        if OA + "TextQuoteSelector" in kinds:
            exact = _one(st, sel, OA + "exact").value
    if article is None or exact is None:
        return None
    text_lit = _one(st, article, SCHEMA + "text")
    text = text_lit.value if text_lit is not None else ""
    if start is None or text[start:end] != exact:
        found = text.find(exact)
        start, end = (found, found + len(exact)) if found >= 0 else (None, None)
    before = after = ""
    if start is not None:
        para_start = text.rfind("\n", 0, start) + 1
        para_end = text.find("\n", end)
        para_end = len(text) if para_end < 0 else para_end
        before, after = text[para_start:start], text[end:para_end]
    return {
        "exact": exact,
        "before": before,
        "after": after,
        "article": link(st, article, current_lang()),
        "anchor": f"ev-{start}" if start is not None else "",
        "href": (urls.resource(article.value) or "")
        + (f"#ev-{start}" if start is not None else ""),
    }


def _observation(st, node, lang) -> dict[str, object]:
    ev = _one(st, node, CDSKG + "evidence")
    fact = {}
    for key, p in (
        ("indicator", CDSKG + "indicator"),
        ("area", SDMX_DIMENSION + "refArea"),
        ("period", SDMX_DIMENSION + "refPeriod"),
        ("pillar", CDSKG + "pillar"),
        ("value", SDMX_MEASURE + "obsValue"),
        ("stated", CDSKG + "statedAs"),
        ("role", CDSKG + "valueRole"),
        ("article", CDSKG + "sourceArticle"),
    ):
        o = _one(st, node, p)
        fact[key] = link(st, o, lang) if o is not None else None
    return {"fact": fact, "evidence": _evidence(st, ev) if ev is not None else None}


def _article(st, node, lang) -> dict[str, object]:
    text_lit = _one(st, node, SCHEMA + "text")
    text = text_lit.value if text_lit is not None else ""
    spans: dict[tuple[int, int], list] = {}
    for r in run_query(
        st,
        """SELECT DISTINCT ?article ?obs ?start ?end ?stated WHERE {
             ?obs cdskg:sourceArticle ?article ; cdskg:statedAs ?stated ;
                  cdskg:evidence/oa:hasSelector ?sel .
             ?sel a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end }""",
        substitutions={ox.Variable("article"): node},
    ):
        key = (int(r["start"].value), int(r["end"].value))
        spans.setdefault(key, []).append({"href": _href(r["obs"].value), "text": r["stated"].value})
    # Cut the text into plain and marked segments (the template escapes each one).
    segments = []
    pos = 0
    for (s, e), obs in sorted(spans.items()):
        if s < pos or e > len(text):
            continue  # overlapping or out of range: leave unmarked
        segments.append({"text": text[pos:s]})
        segments.append({"text": text[s:e], "mark": True, "id": f"ev-{s}", "facts": obs})
        pos = e
    segments.append({"text": text[pos:]})
    facts = _facts(st, lang, article=node.value)
    return {"segments": segments, "facts": facts}


def _locality(st, node, lang) -> dict[str, object]:
    facts = _facts(st, lang, area=node.value)
    parent = _one(st, node, CDSKG + "parentUnit")
    successors = [
        link(st, o, lang) for o in _objects(st, node, "http://purl.org/dc/terms/isReplacedBy")
    ]
    replaces = [link(st, o, lang) for o in _objects(st, node, "http://purl.org/dc/terms/replaces")]
    replaces.sort(key=lambda x: x["text"])
    percent = [f for f in facts if f["percent"] and f["role"] == "actual"]
    chart = _bars(
        [
            (f"{f['indicator']['text']} ({f['stated']})", f["value"], f["obs"]["href"])
            for f in percent
        ]
    )
    counts = _bars(
        [(g["pillar"]["text"], len(g["facts"]), g["pillar"]["href"]) for g in _by_pillar(facts)]
    )
    return {
        "groups": _by_pillar(facts),
        "facts": facts,
        "parent": link(st, parent, lang) if parent is not None else None,
        "successors": successors,
        "replaces": replaces,
        "chart": chart,
        "pillar_chart": counts,
    }


def _indicator(st, node, lang) -> dict[str, object]:
    facts = _facts(st, lang, indicator=node.value)
    actual = [f for f in facts if f["role"] == "actual"]
    actual.sort(key=lambda f: -f["value"])
    chart = _bars(
        [
            (f"{f['area']['text']} ({f['stated']}, {f['end'][:4]})", f["value"], f["obs"]["href"])
            for f in actual
        ]
    )
    return {"facts": facts, "chart": chart}


def _pillar(st, node, lang) -> dict[str, object]:
    facts = _facts(st, lang, pillar=node.value)
    per_indicator: dict[str, list] = {}
    per_area: dict[str, list] = {}
    for f in facts:
        per_indicator.setdefault(f["indicator"]["iri"], [f["indicator"], 0])[1] += 1
        per_area.setdefault(f["area"]["iri"], [f["area"], 0])[1] += 1
    indicators = sorted(per_indicator.values(), key=lambda x: (-x[1], x[0]["text"]))
    areas = sorted(per_area.values(), key=lambda x: (-x[1], x[0]["text"]))
    return {
        "indicators": indicators,
        "facts": facts,
        "chart": _bars([(a["text"], n, a["href"]) for a, n in areas]),
    }


# ---------------------------------------------------------------- ontology documentation


@lru_cache(maxsize=2)
def _ontology_store(stamp: tuple) -> ox.Store:
    st = ox.Store()
    for path, _mtime in stamp:
        st.load(path=path, format=ox.RdfFormat.TURTLE)
    return st


def _ontology_files() -> list[Path]:
    return sorted(project_paths().ontology.glob("*.ttl"))


@bp.get("/ontology")
def ontology():
    files = _ontology_files()
    fmt = _wanted_format()
    if fmt in RDF_FORMATS:
        st = _ontology_store(tuple((str(p), p.stat().st_mtime) for p in files))
        rdf_format, media = RDF_FORMATS[fmt]
        triples = [q.triple for q in st.quads_for_pattern(None, None, None, None)]
        return Response(ox.serialize(triples, format=rdf_format, prefixes=PREFIXES), mimetype=media)
    if fmt is None:
        return error_response(
            406,
            "not acceptable",
            "offered: text/html, text/turtle, application/ld+json, application/n-triples",
        )
    lang = current_lang()
    st = _ontology_store(tuple((str(p), p.stat().st_mtime) for p in files))
    owl = "http://www.w3.org/2002/07/owl#"

    def entries(type_iri: str, ns: str | None = None) -> list[dict]:
        out = []
        for t in st.quads_for_pattern(None, _node(RDF + "type"), _node(type_iri), None):
            s = t.subject
            if not isinstance(s, ox.NamedNode) or (ns and not s.value.startswith(ns)):
                continue
            out.append(_term_doc(st, s, lang))
        return sorted({e["iri"]: e for e in out}.values(), key=lambda e: e["compact"])

    schemes = []
    for scheme in sorted(
        {
            q.subject
            for q in st.quads_for_pattern(
                None, _node(RDF + "type"), _node(SKOS + "ConceptScheme"), None
            )
        },
        key=lambda n: n.value,
    ):
        members = sorted(
            {q.subject for q in st.quads_for_pattern(None, _node(SKOS + "inScheme"), scheme, None)},
            key=lambda n: n.value,
        )
        schemes.append(
            {
                "doc": _term_doc(st, scheme, lang),
                "concepts": [_term_doc(st, m, lang) for m in members],
            }
        )
    return render_template(
        "ontology.html",
        classes=entries(owl + "Class", CDSKG),
        object_properties=entries(owl + "ObjectProperty"),
        datatype_properties=entries(owl + "DatatypeProperty"),
        schemes=schemes,
        files=[p.name for p in files],
    )


def _term_doc(st: ox.Store, node: ox.NamedNode, lang: str) -> dict[str, object]:
    def lit(p: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for q in st.quads_for_pattern(node, _node(p), None, None):
            if isinstance(q.object, ox.Literal):
                out.setdefault(q.object.language or "", q.object.value)
        return out

    labels = lit(SKOS + "prefLabel") or lit(RDFS + "label")
    definitions = lit(SKOS + "definition") or lit(RDFS + "comment")
    iri = node.value
    local = iri.split("#", 1)[1] if "#" in iri else iri.rstrip("/").rsplit("/", 1)[-1]
    anchor = local if iri.startswith(CDSKG) else compact(iri).replace(":", "-").replace("/", "-")
    supers = [
        compact(q.object.value)
        for q in st.quads_for_pattern(node, _node(RDFS + "subClassOf"), None, None)
        if isinstance(q.object, ox.NamedNode)
    ]
    return {
        "iri": iri,
        "compact": compact(iri),
        "anchor": anchor,
        "vi": labels.get("vi", ""),
        "en": labels.get("en", ""),
        "definition": definitions.get(lang) or definitions.get("vi") or "",
        "supers": supers,
        "href": urls.resource(iri) if iri.startswith(ID) else None,
    }


# ---------------------------------------------------------------- query catalogue


@bp.get("/queries")
def queries():
    return render_template("queries.html", queries=catalogue.load_all())


@bp.get("/queries/<name>")
def query(name: str):
    try:
        q = catalogue.load(name)
    except KeyError:
        return error_response(404, "not found", f"no catalogue query named {name!r}; see /queries")
    lang = current_lang()
    declared = {p.name for p in q.params}
    given = {
        k: v
        for k, v in request.args.items()
        if k != "format" and (k != "lang" or "lang" in declared)
    }
    fmt = request.args.get("format")
    if fmt is None:
        fmt = _result_format()
        if fmt is None:
            offered = ", ".join(["text/html", *(m for _, m in RDF_RESULT_TYPES)])
            return error_response(
                406, "not acceptable", f"offered: {offered}; or ?format=json|csv|tsv|xml"
            )
    elif fmt != "html" and fmt not in RESULT_FORMATS:
        return error_response(400, "bad format", f"format={fmt!r}; use html, json, csv, tsv or xml")
    if fmt == "html" and "lang" in declared and not given.get("lang"):
        given["lang"] = lang
    st, version = store()
    try:
        result = q.run(st, given)
    except QueryError as exc:
        if "parameter" in str(exc):
            return error_response(400, "bad parameter", str(exc))
        return error_response(400, "bad query", str(exc))
    if fmt != "html":
        results_format, media = RESULT_FORMATS[fmt]
        resp = Response(result.serialize(format=results_format), mimetype=media)
        resp.headers["X-Store-Version"] = version
        resp.headers["Vary"] = "Accept"
        return resp
    variables = [v.value for v in result.variables]
    shown = [v for v in variables if v not in declared]
    table = []
    for sol in result:
        table.append([link(st, sol[v], lang) if sol[v] is not None else None for v in shown])
    chart = []
    if q.chart and q.chart[0] in shown and q.chart[1] in shown:
        li, vi = shown.index(q.chart[0]), shown.index(q.chart[1])
        items = []
        for row in table:
            try:
                items.append((row[li]["text"], float(row[vi]["text"]), None))
            except (TypeError, ValueError):
                continue
        chart = _bars(items)
    values = {p.name: given.get(p.name, "") for p in q.params}
    args = {k: v for k, v in values.items() if v}
    links = {f: urls.query_page(name, args, f) for f in ("csv", "json")}
    resp = make_response(
        render_template(
            "query.html",
            q=q,
            columns=shown,
            table=table,
            chart=chart,
            values=values,
            downloads=links,
        )
    )
    resp.headers["Link"] = ", ".join(
        f'<{links[f]}>; rel="alternate"; type="{RESULT_FORMATS[f][1]}"' for f in links
    )
    resp.headers["Vary"] = "Accept"
    return resp


RDF_RESULT_TYPES = [(k, v[1]) for k, v in RESULT_FORMATS.items()]
_RESULT_MEDIA = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
}


def _result_format() -> str | None:
    """``html`` only when asked for by name (browsers do); API clients get JSON."""
    for media, _q in parse_accept(request.headers.get("Accept")):
        if media in HTML_TYPES:
            return "html"
        if media in ("*/*", "application/*"):
            return "json"
        if media in _RESULT_MEDIA:
            return _RESULT_MEDIA[media]
    return None
