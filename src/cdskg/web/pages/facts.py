"""The panels of a resource page: an observation with its evidence, an article with its
figures marked in the text, and the facts and charts of a locality, indicator or pillar."""

from __future__ import annotations

import pyoxigraph as ox

from cdskg.rdf.namespaces import (
    CDSKG,
    OA,
    SCHEMA,
    SDMX_DIMENSION,
    SDMX_MEASURE,
)
from cdskg.store.query import run_query
from cdskg.web import urls
from cdskg.web.pages.common import bars, current_lang
from cdskg.web.pages.graph import href_of, iri_node, link, objects_of, one_of, types_of
from cdskg.web.pages.words import role_label

_FACTS = """
SELECT ?obs ?area ?indicator ?pillar ?value ?stated ?role ?period ?article ?unit ?end WHERE {
  ?obs a qb:Observation ; sdmx-dimension:refArea ?area ; cdskg:indicator ?indicator ;
       cdskg:pillar ?pillar ; sdmx-measure:obsValue ?value ; cdskg:statedAs ?stated ;
       cdskg:valueRole ?role ; sdmx-dimension:refPeriod ?period ; cdskg:sourceArticle ?article ;
       sdmx-attribute:unitMeasure ?unit .
  OPTIONAL { ?period time:inXSDDate ?end }
  OPTIONAL { ?period time:hasEnd/time:inXSDDate ?end }
}"""


def facts_about(st: ox.Store, lang: str, **bind: str) -> list[dict[str, object]]:
    """Observations with one or more of area/indicator/pillar/article bound (substitutions)."""
    subs = {ox.Variable(k): iri_node(v) for k, v in bind.items()}
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
        ("article", CDSKG + "sourceArticle"),
    ):
        o = one_of(st, node, p)
        fact[key] = link(st, o, lang) if o is not None else None
    if fact["role"] is not None:
        fact["role"] = {**fact["role"], "text": role_label(fact["role"]["text"], lang)}
    return {"fact": fact, "evidence": evidence_panel(st, ev) if ev is not None else None}


def article_panel(st, node, lang) -> dict[str, object]:
    text_lit = one_of(st, node, SCHEMA + "text")
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
        spans.setdefault(key, []).append(
            {"href": href_of(r["obs"].value), "text": r["stated"].value}
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
    facts = facts_about(st, lang, article=node.value)
    return {"segments": segments, "facts": facts}


def locality_panel(st, node, lang) -> dict[str, object]:
    facts = facts_about(st, lang, area=node.value)
    parent = one_of(st, node, CDSKG + "parentUnit")
    successors = [
        link(st, o, lang) for o in objects_of(st, node, "http://purl.org/dc/terms/isReplacedBy")
    ]
    replaces = [
        link(st, o, lang) for o in objects_of(st, node, "http://purl.org/dc/terms/replaces")
    ]
    replaces.sort(key=lambda x: x["text"])
    percent = [f for f in facts if f["percent"] and f["role"] == "actual"]
    chart = bars(
        [
            (f"{f['indicator']['text']} ({f['stated']})", f["value"], f["obs"]["href"])
            for f in percent
        ]
    )
    counts = bars(
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


def indicator_panel(st, node, lang) -> dict[str, object]:
    facts = facts_about(st, lang, indicator=node.value)
    actual = [f for f in facts if f["role"] == "actual"]
    actual.sort(key=lambda f: -f["value"])
    chart = bars(
        [
            (f"{f['area']['text']} ({f['stated']}, {f['end'][:4]})", f["value"], f["obs"]["href"])
            for f in actual
        ]
    )
    return {"facts": facts, "chart": chart}


def pillar_panel(st, node, lang) -> dict[str, object]:
    facts = facts_about(st, lang, pillar=node.value)
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
        "chart": bars([(a["text"], n, a["href"]) for a, n in areas]),
    }
