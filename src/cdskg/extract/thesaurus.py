"""The indicator thesaurus (ontology/thesaurus.ttl) as a phrase matcher.

Indicators are SKOS concepts; their ``skos:altLabel``s in Vietnamese are the phrasings
articles use. Matching is done on accent-folded, lower-cased text, so "hồ sơ trực
tuyến" matches "HỒ SƠ TRỰC TUYẾN" and "ho so truc tuyen" alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cdskg.rdf.namespaces import sparql_prologue
from cdskg.text.fold import fold

UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class Indicator:
    iri: str
    notation: str
    label_vi: str
    pillar: str  # pillar IRI
    unit: str  # QUDT unit IRI
    value_kind: str  # "percentage" | "count" | "money" | "score" | "rank" | "ratio"


@dataclass(frozen=True)
class PhraseMatch:
    indicator: Indicator
    phrase: str  # as written in the searched window
    start: int  # in the searched window
    end: int


class Thesaurus:
    """Indicators by notation, and a matcher over their labels."""

    def __init__(
        self,
        indicators: dict[str, Indicator],
        phrases: dict[str, list[str]],
        definitions: dict[str, str] | None = None,
        deprecated: frozenset[str] = frozenset(),
    ):
        self.indicators = indicators
        #: the Vietnamese labels (preferred, alternative, hidden) of each indicator that
        #: extraction may point to (none of the deprecated ones)
        self.labels = {n: ls for n, ls in phrases.items() if n not in deprecated}
        self.definitions = {n: d for n, d in (definitions or {}).items() if n not in deprecated}
        self.deprecated = deprecated
        self._by_phrase: dict[str, str] = {}
        for notation, labels in self.labels.items():
            for label in labels:
                key = fold(label).strip()
                # the first indicator to claim a phrase keeps it; the ontology tests
                # ensure no phrase is claimed twice
                if key and key not in self._by_phrase:
                    self._by_phrase[key] = notation
        ordered = sorted(self._by_phrase, key=len, reverse=True)
        self._pattern = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in ordered) + r")(?!\w)")
            if ordered
            else None
        )

    @classmethod
    def load(cls, ontology_dir: Path) -> Thesaurus:
        store = ox.Store()
        for path in sorted(ontology_dir.glob("*.ttl")):
            with path.open("rb") as fh:
                store.load(fh, format=ox.RdfFormat.TURTLE, base_iri=None)
        query = (
            sparql_prologue()
            + """
            SELECT ?ind ?notation ?label ?pillar ?unit ?kind WHERE {
              ?ind a cdskg:Indicator ; skos:notation ?notation ; cdskg:pillar ?pillar .
              OPTIONAL { ?ind skos:prefLabel ?label FILTER(lang(?label) = "vi") }
              OPTIONAL { ?ind cdskg:unitMeasure ?unit }
              OPTIONAL { ?ind cdskg:valueKind ?kind }
            }"""
        )
        indicators: dict[str, Indicator] = {}
        for row in store.query(query):
            notation = row["notation"].value
            indicators[notation] = Indicator(
                iri=row["ind"].value,
                notation=notation,
                label_vi=row["label"].value if row["label"] else notation,
                pillar=row["pillar"].value,
                unit=row["unit"].value if row["unit"] else "http://qudt.org/vocab/unit/NUM",
                value_kind=row["kind"].value if row["kind"] else "count",
            )
        if UNCLASSIFIED not in indicators:
            raise ValueError(
                f"{ontology_dir}: the thesaurus has no '{UNCLASSIFIED}' indicator;"
                " every unknown phrasing needs it"
            )
        phrases: dict[str, list[str]] = {}
        label_query = (
            sparql_prologue()
            + """
            SELECT ?notation ?label WHERE {
              ?ind a cdskg:Indicator ; skos:notation ?notation .
              { ?ind skos:altLabel ?label } UNION { ?ind skos:prefLabel ?label }
              UNION { ?ind skos:hiddenLabel ?label }
              FILTER(lang(?label) = "vi")
            } ORDER BY ?notation ?label"""
        )
        for row in store.query(label_query):
            phrases.setdefault(row["notation"].value, []).append(row["label"].value)
        phrases.pop(UNCLASSIFIED, None)
        definitions: dict[str, str] = {}
        def_query = (
            sparql_prologue()
            + """
            SELECT ?notation ?def WHERE {
              ?ind a cdskg:Indicator ; skos:notation ?notation ; skos:definition ?def .
              FILTER(lang(?def) = "vi")
            }"""
        )
        for row in store.query(def_query):
            definitions[row["notation"].value] = row["def"].value
        definitions.pop(UNCLASSIFIED, None)
        dep_query = (
            sparql_prologue()
            + """
            SELECT ?notation WHERE {
              ?ind a cdskg:Indicator ; skos:notation ?notation ; owl:deprecated true .
            }"""
        )
        deprecated = frozenset(row["notation"].value for row in store.query(dep_query))
        return cls(indicators, phrases, definitions, deprecated)

    @property
    def unclassified(self) -> Indicator:
        return self.indicators[UNCLASSIFIED]

    def matches(self, window: str) -> list[PhraseMatch]:
        """Every known phrase in ``window`` (any case, with or without accents)."""
        if self._pattern is None:
            return []
        folded = fold(window)
        # fold() keeps string length for Vietnamese text, so offsets carry over
        if len(folded) != len(window):
            folded = folded[: len(window)].ljust(len(window))
        return [
            PhraseMatch(
                self.indicators[self._by_phrase[m.group(1)]],
                window[m.start() : m.end()],
                m.start(),
                m.end(),
            )
            for m in self._pattern.finditer(folded)
        ]
