"""What extraction found in an article, as plain data and as a table (``cdskg extract``).

The facts are shown as extraction made them, before mapping and validation: a figure a
build would hold back for a shape still shows here.
"""

from __future__ import annotations

from decimal import Decimal

from cdskg.extract.records import ArticleRecord, Quantity


def _number(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


def quantity_as_dict(record: ArticleRecord, q: Quantity) -> dict[str, object]:
    """One figure: value, how it was written, indicator and its phrase, place, period and
    the sentence that states it."""
    place = record.places.get(q.area)
    return {
        "value": _number(q.value),
        "stated": q.stated,
        "unit": q.unit,
        "kind": q.kind,
        "indicator": q.indicator,
        "indicator_text": q.indicator_text,
        "area": q.area,
        "area_name": place.name if place else None,
        "period": {"start": q.period.start, "end": q.period.end, "basis": q.period.basis},
        "compared_with": (
            {"start": q.baseline.start, "end": q.baseline.end} if q.baseline else None
        ),
        "qualifier": q.qualifier,
        "role": q.role,
        "scope": q.scope,
        "numerator": _number(q.numerator),
        "denominator": _number(q.denominator),
        "start": q.value_start,
        "end": q.value_end,
        "sentence": q.evidence.exact,
    }


def record_as_dict(record: ArticleRecord) -> dict[str, object]:
    """An article's facts, the numbers it skipped (with the reason) and its warnings."""
    main = record.places.get(record.main_locality or "")
    return {
        "article": record.name,
        "title": record.title,
        "main_locality": record.main_locality,
        "main_locality_name": main.name if main else None,
        "facts": [quantity_as_dict(record, q) for q in record.quantities],
        "skipped": [{"text": k.text, "start": k.start, "reason": k.reason} for k in record.skipped],
        "warnings": list(record.warnings),
    }


def _period(p: dict[str, object]) -> str:
    start, end = p["start"], p["end"]
    return f"{start}" if not end or end == start else f"{start}..{end}"


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(article: dict[str, object]) -> str:
    """A plain-text table of one article's facts, each followed by its sentence, then the
    skipped numbers with their reasons."""
    lines = [f"== {article['article']}: {article['title']}"]
    lines.append(f"   locality: {article['main_locality_name'] or '(none found)'}")
    facts: list[dict] = article["facts"]  # type: ignore[assignment]
    lines.append(f"   {len(facts)} facts")
    for f in facts:
        flags = [x for x in (f["qualifier"], f["role"]) if x not in ("exact", "actual")]
        if f["scope"]:
            flags.append(str(f["scope"]))
        if f["denominator"] is not None:
            flags.append(f"of {f['denominator']}")
        if f["compared_with"]:
            flags.append(f"vs {_period(f['compared_with'])}")
        extra = f" [{', '.join(flags)}]" if flags else ""
        lines.append(
            f"   {f['stated']:>14} = {f['value']:<12} {f['indicator']:<34} "
            f"{_cut(str(f['area_name'] or f['area']), 28):<28} {_period(f['period'])}{extra}"
        )
        lines.append(f"   {'':>14}   phrase: {_cut(str(f['indicator_text'] or ''), 90)}")
        lines.append(f"   {'':>14}   « {_cut(str(f['sentence']), 140)} »")
    skipped: list[dict] = article["skipped"]  # type: ignore[assignment]
    if skipped:
        lines.append(f"   {len(skipped)} numbers skipped")
        for k in skipped:
            lines.append(f"   {k['text']:>14}   at {k['start']}: {k['reason']}")
    for w in article["warnings"]:  # type: ignore[attr-defined]
        lines.append(f"   warning: {w}")
    return "\n".join(lines)
