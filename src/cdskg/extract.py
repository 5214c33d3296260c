"""Extraction: from an article's text to typed records with their evidence.

The pipeline calls :meth:`Extractor.extract` once per article. Everything it knows
about the language is data: ``mappings/noise.toml`` (cleaning),
``mappings/quantities.toml`` (figures), the thesaurus (indicators) and the unit table
(places). This module only applies them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from cdskg import iri
from cdskg.articles import SourceArticle, title_of
from cdskg.clean import NoiseRules, clean
from cdskg.gazetteer import Gazetteer, snapshot_for
from cdskg.iri import fold
from cdskg.normalize import normalize
from cdskg.numbers import NUMBER, parse_number
from cdskg.periods import context_year, find_periods
from cdskg.records import ArticleRecord, Evidence, Period, Quantity, Skipped
from cdskg.thesaurus import Thesaurus
from cdskg.units import AdminUnit, load_units

PERCENT = "http://qudt.org/vocab/unit/PERCENT"
NUM = "http://qudt.org/vocab/unit/NUM"

_SENTENCE_END = re.compile(r"(?<=[.!?…;])[\"”’)]*\s+(?=[\"“*(–-]?\s*[A-ZĐÀ-Ỹ0-9])|\n+")
_PERCENT_AFTER = re.compile(r"\s*(%|phần trăm)")
_RATIO = re.compile(r"(?<![\w.,/])(\d{1,3}(?:\.\d{3})*|\d+)\s*/\s*(\d{1,3}(?:\.\d{3})*|\d+)(?![\w/])")
_NOUN_AFTER = re.compile(r"\s+((?:[^\W\d_]+\s*){1,4})")
_CLAUSE_BREAK = re.compile(r"[,;:(]|\s(?:và|với|trong đó|đạt)\s")


@dataclass(frozen=True)
class FigureRules:
    qualifiers: dict[str, str]
    target_words: tuple[str, ...]
    change_words: tuple[str, ...]
    multipliers: dict[str, int]
    not_a_figure: tuple[tuple[re.Pattern[str], str], ...]

    @classmethod
    def load(cls, path: Path) -> FigureRules:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        return cls(
            qualifiers={fold(k): v for k, v in data["qualifiers"].items()},
            target_words=tuple(fold(w) for w in data["roles"]["target"]),
            change_words=tuple(fold(w) for w in data["roles"]["change"]),
            multipliers={fold(k): int(v) for k, v in data["multipliers"].items()},
            not_a_figure=tuple(
                (re.compile(r["pattern"]), r["reason"]) for r in data["not_a_figure"]
            ),
        )


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of the cleaned text, with their offsets."""
    result = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        chunk = text[pos : m.start()]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            result.append(Sentence(pos + lead, m.start(), chunk.strip()))
        pos = m.end()
    tail = text[pos:]
    if tail.strip():
        lead = len(tail) - len(tail.lstrip())
        result.append(Sentence(pos + lead, pos + lead + len(tail.strip()), tail.strip()))
    return result


class Extractor:
    """Holds the loaded rules and data; :meth:`extract` is pure per article."""

    def __init__(self, mappings_dir: Path, ontology_dir: Path, today: date | None = None):
        self.noise = NoiseRules.load(mappings_dir / "noise.toml")
        self.figures = FigureRules.load(mappings_dir / "quantities.toml")
        self.thesaurus = Thesaurus.load(ontology_dir)
        self.gazetteer = Gazetteer(load_units())
        self.today = today or date.today()

    def extract(self, source: SourceArticle) -> ArticleRecord:
        normalized = normalize(source.text)
        cleaned = clean(normalized.text, self.noise)
        text = cleaned.text
        title, _ = title_of(text)
        year = context_year(text, self.today.year)
        snapshot = snapshot_for(f"{year}-12-31" if year < self.today.year else None)
        main = self.gazetteer.main_locality(title, text, snapshot)
        article_iri = iri.article(source.name)
        record = ArticleRecord(
            iri=article_iri,
            name=source.name,
            title=title,
            text=text,
            content_hash=source.content_hash,
            main_locality=main.iri if main else None,
            dropped=[d.as_dict() for d in cleaned.drops],
        )
        if main is None:
            record.warnings.append(
                "no administrative unit found in the article; its figures cannot be placed"
            )
        else:
            record.places[main.iri] = main

        def to_source(start: int, end: int) -> tuple[int, int]:
            n_start, n_end = cleaned.offsets[start], cleaned.offsets[max(end - 1, start)] + 1
            return normalized.to_source(n_start, n_end)

        def evidence(sent: Sentence) -> Evidence:
            s_start, s_end = to_source(sent.start, sent.end)
            return Evidence(
                start=sent.start,
                end=sent.end,
                source_start=s_start,
                source_end=s_end,
                exact=text[sent.start : sent.end],
                prefix=text[max(0, sent.start - 32) : sent.start],
                suffix=text[sent.end : sent.end + 32],
            )

        context_units: list[AdminUnit] = [main] if main else []
        default_period = Period(f"{year}-01-01", f"{year}-12-31", basis="article-context")
        seen_keys: set[tuple[str, str, str]] = set()
        for sent in split_sentences(text):
            if sent.start == 0 and sent.text == title:
                continue
            self._sentence(
                record, sent, evidence(sent), main, context_units, year, default_period, seen_keys
            )
        return record

    # -- figures -----------------------------------------------------------------------

    def _sentence(
        self,
        record: ArticleRecord,
        sent: Sentence,
        ev: Evidence,
        main: AdminUnit | None,
        context_units: list[AdminUnit],
        year: int,
        default_period: Period,
        seen_keys: set[tuple[str, str, str]],
    ) -> None:
        s = sent.text
        blocked: list[tuple[int, int, str]] = []
        for pattern, reason in self.figures.not_a_figure:
            blocked.extend((m.start(), m.end(), reason) for m in pattern.finditer(s))
        periods = find_periods(s, year)
        snapshot = snapshot_for(periods[0].period.start if periods else f"{year}-06-30")
        placed = self.gazetteer.resolve_all(s, snapshot, context=context_units)
        for _, unit in placed:
            record.places[unit.iri] = unit

        ratios = {m.start(1): m for m in _RATIO.finditer(s)}
        prev_end = 0
        for m in NUMBER.finditer(s):
            start, end = m.start(), m.end()
            if any(b0 <= start < b1 for b0, b1, _ in blocked):
                reason = next(r for b0, b1, r in blocked if b0 <= start < b1)
                record.skipped.append(Skipped(m.group(0), sent.start + start, reason))
                continue
            if any(r.start(2) <= start < r.end(2) for r in ratios.values()):
                continue  # the denominator of a ratio already read
            if main is None and not placed:
                record.skipped.append(Skipped(m.group(0), sent.start + start, "no locality"))
                continue
            try:
                value = parse_number(m.group(0))
            except ValueError:
                record.skipped.append(Skipped(m.group(0), sent.start + start, "unreadable number"))
                continue
            numerator = denominator = None
            pct = _PERCENT_AFTER.match(s, end)
            ratio = ratios.get(start)
            if pct:
                unit, stated_end = PERCENT, pct.end()
            elif ratio:
                numerator = parse_number(ratio.group(1))
                denominator = parse_number(ratio.group(2))
                unit, stated_end = NUM, ratio.end()
            else:
                unit, stated_end = NUM, end
                mult = self._multiplier(s, end)
                if mult:
                    value, stated_end = value * mult[0], mult[1]
            window_start = self._clause_start(s, prev_end, start)
            before = s[window_start:start]
            after = s[stated_end : stated_end + 48]
            indicator, phrase = self._indicator(s[:start], before, after, unit)
            qualifier = self._qualifier(before)
            role = self._role(before)
            area = self._area(placed, start, main)
            period = self._period(periods, start) or default_period
            key = (indicator.notation, area.iri, period.start + (period.end or ""))
            value_start = sent.start + start
            if unit == PERCENT and value > 100 and indicator.value_kind == "percentage":
                record.warnings.append(f"{m.group(0)}% at {value_start}: over 100%, kept as stated")
            if key in seen_keys and indicator.notation == "unclassified":
                key = (*key[:2], key[2] + f"@{value_start}")
            seen_keys.add(key)
            record.quantities.append(
                Quantity(
                    value=value,
                    unit=unit if indicator.notation == "unclassified" else indicator.unit,
                    stated=s[start:stated_end],
                    value_start=value_start,
                    value_end=sent.start + stated_end,
                    indicator=indicator.notation,
                    indicator_text=phrase,
                    area=area.iri,
                    period=period,
                    evidence=ev,
                    qualifier=qualifier,
                    role=role,
                    numerator=numerator,
                    denominator=denominator,
                )
            )
            prev_end = stated_end

    def _multiplier(self, s: str, end: int) -> tuple[int, int] | None:
        m = re.match(r"\s+([^\W\d_]+)", s[end:])
        if m and fold(m.group(1)) in self.figures.multipliers:
            return self.figures.multipliers[fold(m.group(1))], end + m.end()
        return None

    @staticmethod
    def _clause_start(s: str, prev_end: int, start: int) -> int:
        breaks = [m.end() for m in _CLAUSE_BREAK.finditer(s, prev_end, start)]
        # a clause that is only "đạt" or a qualifier says nothing: look one further back
        for b in reversed(breaks):
            if len(s[b:start].strip()) > 12:
                return b
        return prev_end

    def _indicator(self, upto: str, before: str, after: str, unit: str):
        matches = self.thesaurus.matches(before)
        wanted = "percentage" if unit == PERCENT else None
        pool = [m for m in matches if wanted is None or m.indicator.value_kind == wanted]
        if pool:
            best = max(pool, key=lambda m: (m.end, m.end - m.start))
            return best.indicator, best.phrase
        after_matches = [
            m for m in self.thesaurus.matches(after)
            if m.start < 24 and (wanted is None or m.indicator.value_kind == wanted)
        ]
        if after_matches:
            best = min(after_matches, key=lambda m: m.start)
            return best.indicator, best.phrase
        # the whole sentence up to the figure, for "đạt 90,97%" after its subject
        pool = [
            m for m in self.thesaurus.matches(upto)
            if wanted is None or m.indicator.value_kind == wanted
        ]
        if pool:
            best = max(pool, key=lambda m: m.end)
            return best.indicator, best.phrase
        noun = _NOUN_AFTER.match(after)
        raw = before.strip(" ,;:") or (noun.group(1).strip() if noun else "")
        return self.thesaurus.unclassified, raw[-80:]

    def _qualifier(self, before: str) -> str:
        tail = fold(before).rstrip()
        for word, qualifier in sorted(self.figures.qualifiers.items(), key=lambda kv: -len(kv[0])):
            if tail.endswith(word):
                return qualifier
        return "exact"

    def _role(self, before: str) -> str:
        folded = fold(before)
        if any(w in folded for w in self.figures.target_words):
            return "target"
        tail = folded.rstrip()
        if any(tail.endswith(w) for w in self.figures.change_words):
            return "change"
        return "actual"

    @staticmethod
    def _area(placed, start: int, main: AdminUnit | None) -> AdminUnit:
        before = [(m, u) for m, u in placed if m.start < start]
        if before:
            return before[-1][1]
        if main is not None:
            return main
        return placed[0][1]

    @staticmethod
    def _period(periods, start: int) -> Period | None:
        if not periods:
            return None
        before = [p for p in periods if p.start < start]
        chosen = min(before, key=lambda p: (p.priority, start - p.end)) if before else min(
            periods, key=lambda p: (p.priority, p.start)
        )
        return chosen.period


__all__ = ["Decimal", "Extractor", "split_sentences"]
