"""The panels of a resource page: an observation with its evidence, an article with its
figures marked in the text, and the facts and charts of a locality, indicator or pillar."""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
from flask import request

from cdskg.rdf.namespaces import (
    CDSKG,
    OA,
    SCHEMA,
    SDMX_DIMENSION,
    SDMX_MEASURE,
)
from cdskg.store.query import run_query
from cdskg.web import urls
from cdskg.web.pages.common import CHART_ROWS, bars, current_lang
from cdskg.web.pages.facttable import (
    Labels,
    Selection,
    facet,
    fact_row,
    page_of,
    short_of,
    term_of,
)
from cdskg.web.pages.graph import href_of, link, objects_of, one_of, types_of
from cdskg.web.pages.tables import page_table
from cdskg.web.pages.words import QUALIFIER_SIGNS, qualified, role_label


def evidence_panel(st: ox.Store, ev: ox.NamedNode) -> dict[str, object] | None:
    """The evidence sentence and its surroundings in the article's stored text."""
    article = one_of(st, ev, OA + "hasSource")
    start = end = exact = None
    for sel in objects_of(st, ev, OA + "hasSelector"):
        kinds = types_of(st, sel)
        if OA + "TextPositionSelector" in kinds:
            start = int(one_of(st, sel, OA + "start").value)
            end = int(one_of(st, sel, OA + "end").value)
        if OA + "TextQuoteSelector" in kinds:
            exact = one_of(st, sel, OA + "exact").value
    if article is None or exact is None:
        return None
    text_lit = one_of(st, article, SCHEMA + "text")
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


def observation_panel(st, node, lang) -> dict[str, object]:
    ev = one_of(st, node, CDSKG + "evidence")
    fact = {}
    for key, p in (
        ("indicator", CDSKG + "indicator"),
        ("area", SDMX_DIMENSION + "refArea"),
        ("period", SDMX_DIMENSION + "refPeriod"),
        ("pillar", CDSKG + "pillar"),
        ("value", SDMX_MEASURE + "obsValue"),
        ("stated", CDSKG + "statedAs"),
        ("role", CDSKG + "valueRole"),
        ("breakdown", CDSKG + "breakdown"),
        ("qualifier", CDSKG + "qualifier"),
        ("article", CDSKG + "sourceArticle"),
    ):
        o = one_of(st, node, p)
        fact[key] = link(st, o, lang) if o is not None else None
    if fact["role"] is not None:
        fact["role"] = {**fact["role"], "text": role_label(fact["role"]["text"], lang)}
    qualifier = fact.pop("qualifier")
    if fact["stated"] is not None and qualifier is not None:
        # "trên 81%" is shown "> 81%": a bounded figure never reads as an exact one
        fact["stated"] = {
            **fact["stated"],
            "text": qualified(fact["stated"]["text"], qualifier["text"]),
        }
    return {"fact": fact, "evidence": evidence_panel(st, ev) if ev is not None else None}


def article_panel(st, node, lang) -> dict[str, object]:
    text_lit = one_of(st, node, SCHEMA + "text")
    text = text_lit.value if text_lit is not None else ""
    spans: dict[tuple[int, int], list] = {}
    for r in run_query(
        st,
        # the article bound by VALUES (its IRI as pyoxigraph writes it): substituted, it is
        # planned as unbound, over every observation's evidence; and the OPTIONAL last, as
        # Oxigraph joins a pattern written after one the slow way (25 s at 20k observations)
        f"""SELECT DISTINCT ?article ?obs ?start ?end ?stated ?qualifier WHERE {{
             VALUES ?article {{ {ox.NamedNode(node.value)} }}
             ?obs cdskg:sourceArticle ?article ; cdskg:statedAs ?stated ;
                  cdskg:evidence/oa:hasSelector ?sel .
             ?sel a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end
             OPTIONAL {{ ?obs cdskg:qualifier ?qualifier }} }}""",
    ):
        key = (int(r["start"].value), int(r["end"].value))
        qualifier = r["qualifier"].value if r["qualifier"] else "exact"
        spans.setdefault(key, []).append(
            {"href": href_of(r["obs"].value), "text": qualified(r["stated"].value, qualifier)}
        )
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
    return {"segments": segments, **page_table(st, {"article": node.value}, lang, request.path)}


def _short(dim: str, iri: str) -> str:
    return short_of(dim, ox.NamedNode(iri))


def _chart_label(main: str, f: dict, *, year: bool = False) -> str:
    """A bar's label: what it is, and the figure as written with its qualifier (and the
    breakdown when the figure is not about the whole area)."""
    notes = [f["shown"]]
    if f["breakdown"] and not f["breakdown"]["iri"].endswith("/breakdown/total"):
        notes.append(f["breakdown"]["text"])
    if year and f["period"]:
        notes.append(f["terms"]["period"].value.rsplit("/", 1)[-1][:4])
    return f"{main} ({', '.join(notes)})"


def _chart_rows(st, sel: Selection, lang: str) -> list[dict[str, object]]:
    labels = Labels(st, lang)
    return [fact_row(st, o, labels, lang) for o in page_of(st, sel, lang)]


def locality_panel(st, node, lang) -> dict[str, object]:
    area = _short("area", node.value)
    parent = one_of(st, node, CDSKG + "parentUnit")
    successors = [
        link(st, o, lang) for o in objects_of(st, node, "http://purl.org/dc/terms/isReplacedBy")
    ]
    replaces = [
        link(st, o, lang) for o in objects_of(st, node, "http://purl.org/dc/terms/replaces")
    ]
    replaces.sort(key=lambda x: x["text"])
    # The locality's own rates: different indicators side by side, each bar saying its
    # qualifier and breakdown (a ward average is never shown as a bare district figure).
    rates = Selection(
        scope={"area": area},
        filters={"role": "actual", "unit": "PERCENT"},
        sort="-value",
        size=CHART_ROWS,
    )
    rows = _chart_rows(st, rates, lang)
    chart = bars(
        [(_chart_label(f["indicator"]["text"], f), f["value"], f["obs"]["href"]) for f in rows],
        signs=[QUALIFIER_SIGNS.get(f["qualifier"], "") for f in rows],
    )
    labels = Labels(st, lang)
    per_pillar = facet(st, Selection(scope={"area": area}), "pillar")
    counts = bars([(labels(p)["text"], n, labels(p)["href"]) for p, n in per_pillar])
    return {
        "parent": link(st, parent, lang) if parent is not None else None,
        "successors": successors,
        "replaces": replaces,
        "chart": chart,
        "pillar_chart": counts,
        **page_table(st, {"area": area}, lang, request.path),
    }


def indicator_panel(st, node, lang) -> dict[str, object]:
    """The indicator's table, and a chart that compares like with like: one value role and
    one breakdown (the reader's filters, else actual figures of the most frequent breakdown),
    so that a ward average or a commune-level figure is never ranked against totals."""
    indicator = _short("indicator", node.value)
    shown = page_table(st, {"indicator": indicator}, lang, request.path)
    sel: Selection = shown["table"].selection
    role = sel.filters.get("role", "actual")
    base = Selection(scope=sel.scope, filters={**sel.filters, "role": role})
    breakdowns = facet(st, base, "breakdown")
    chosen = sel.filters.get("breakdown") or (
        short_of("breakdown", breakdowns[0][0]) if breakdowns else None
    )
    chart: list = []
    labels = Labels(st, lang)
    others = []
    if chosen is not None:
        like = replace(base, filters={**base.filters, "breakdown": chosen}, sort="-value")
        like = replace(like, size=CHART_ROWS)
        rows = _chart_rows(st, like, lang)
        chart = bars(
            [
                (_chart_label(f["area"]["text"], f, year=True), f["value"], f["obs"]["href"])
                for f in rows
            ],
            signs=[QUALIFIER_SIGNS.get(f["qualifier"], "") for f in rows],
        )
        links = shown["table_links"]["here"]
        others = [
            {
                "text": labels(b)["text"],
                "n": n,
                "href": links(breakdown=short_of("breakdown", b), role=role),
            }
            for b, n in breakdowns
            if short_of("breakdown", b) != chosen
        ]
    return {
        "chart": chart,
        "chart_role": role,
        "chart_breakdown": labels(term_of("breakdown", chosen)) if chosen else None,
        "chart_others": others,
        **shown,
    }


def pillar_panel(st, node, lang) -> dict[str, object]:
    pillar = _short("pillar", node.value)
    whole = Selection(scope={"pillar": pillar})
    labels = Labels(st, lang)
    indicators = [(labels(i), n) for i, n in facet(st, whole, "indicator", limit=100)]
    areas = facet(st, whole, "area")
    return {
        "indicators": indicators[:100],
        "indicators_more": len(indicators) > 100,
        "chart": bars([(labels(a)["text"], n, labels(a)["href"]) for a, n in areas[:30]]),
        **page_table(st, {"pillar": pillar}, lang, request.path),
    }
