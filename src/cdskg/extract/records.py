"""Typed records that extraction produces and mapping consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cdskg.extract.units import AdminUnit


@dataclass(frozen=True)
class Evidence:
    """Where a fact was said: a span of the article's cleaned text and of its source file."""

    start: int
    end: int
    source_start: int
    source_end: int
    exact: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class Period:
    """An instant (``end`` is None) or an interval of ISO dates."""

    start: str
    end: str | None = None
    basis: str = "stated"  # or "carried" (from an earlier sentence), "publication" ("đến
    #: nay": as of the day published), "article-context"


#: How a figure's qualifier is written before it (``cdskg:qualifier``; shapes/observation.ttl
#: lists the values): "trên 81%" is shown "> 81%", "khoảng 22%" "≈ 22%".
QUALIFIER_SIGNS = {
    "exact": "",
    "approximately": "≈",
    "more-than": ">",
    "less-than": "<",
    "at-least": "≥",
    "at-most": "≤",
}


def qualified(stated: str, qualifier: str) -> str:
    """A figure as written with its qualifier's sign before it (bounded and approximate
    values are never shown bare).

    >>> qualified("81%", "more-than"), qualified("97%", "at-least"), qualified("5", "exact")
    ('> 81%', '≥ 97%', '5')
    """
    sign = QUALIFIER_SIGNS.get(qualifier, "")
    return f"{sign} {stated}" if sign else stated


@dataclass(frozen=True)
class Quantity:
    """One stated figure: becomes one ``qb:Observation``."""

    value: Decimal
    unit: str  # QUDT unit IRI
    stated: str  # the value as written: "90,13%"
    value_start: int  # offsets of `stated` in the cleaned text
    value_end: int
    indicator: str  # thesaurus notation ("unclassified" when no phrase matched)
    indicator_text: str
    area: str  # administrative unit IRI
    period: Period
    evidence: Evidence
    qualifier: str = "exact"
    role: str = "actual"
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    #: the figure is about the sub-units of ``area`` at this level ("cấp xã" of a district:
    #: "commune-level"), not the unit itself; None when it is about ``area`` as a whole
    scope: str | None = None
    #: "percentage" | "count" | "ratio" | "money" | "score" | "rank" | "multiple": how it
    #: was written
    kind: str = "count"
    #: the period the figure is compared with ("tăng 2 bậc so với năm 2020"), if stated
    baseline: Period | None = None
    #: ``area`` again when the one value is stated for a list of units (each gets its own
    #: observation IRI); None for a figure about one unit
    shared_by: str | None = None

    @property
    def shown(self) -> str:
        """The figure as written with its qualifier's sign ("> 81%" for "trên 81%"): what
        its label says, so a bound is never read as the value."""
        return qualified(self.stated, self.qualifier)


@dataclass(frozen=True)
class Mention:
    """A person, organisation, legal document or platform named in the article."""

    kind: str  # "person" | "organisation" | "document" | "platform"
    name: str
    evidence: Evidence
    post: str | None = None  # for people: the post they hold
    organisation: str | None = None  # for people: where the post is
    identifier: str | None = None  # for documents: "47/2020/NĐ-CP"
    doc_type: str | None = None  # for documents: "Nghị định", "Kế hoạch", …
    date: str | None = None  # for documents: ISO date


@dataclass(frozen=True)
class Skipped:
    """A number that did not become a fact, with the reason (for the build report)."""

    text: str
    start: int
    reason: str


@dataclass
class ArticleRecord:
    """Everything extracted from one article."""

    iri: str
    name: str
    title: str
    text: str  # cleaned text, stored as schema:text; evidence offsets count in it
    content_hash: str
    main_locality: str | None
    publisher: str | None = None
    authors: list[str] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    dropped: list[dict[str, object]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: every unit the record refers to, by IRI (mapping needs the ones that are not in
    #: the reference data, such as wards merged away before it)
    places: dict[str, AdminUnit] = field(default_factory=dict)
