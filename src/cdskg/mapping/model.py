"""What the mapping hands its templates besides the records: observation groups (a figure
and its restatements, IC-12 of the Data Cube) and what Python decides about a mention.

Figures repeated within one article: quantities with the same key (indicator, area,
period, value role, breakdown) and the same value and unit are one observation; the first
statement is its ``cdskg:evidence`` and every later one a ``cdskg:additionalEvidence``.
Different values under the same key are kept, told apart by the ``cdskg:statementIndex``
dimension (1 for the first value the article states, 2 for the next …), and reported in
``record.warnings``: never merged, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from cdskg.extract.records import ArticleRecord, Evidence, Quantity
from cdskg.extract.thesaurus import UNCLASSIFIED
from cdskg.mapping.terms import breakdown_iri
from cdskg.text.fold import fold


@dataclass(frozen=True)
class KnownDocument:
    id_local: str
    date: str | None = None
    doc_type: str | None = None


@dataclass
class ObservationGroup:
    """The quantities that become one observation: the first, and its restatements."""

    first: Quantity
    restated: list[Quantity] = field(default_factory=list)
    statement_index: int = 1

    @property
    def additional_evidence(self) -> list[Evidence]:
        """The restatements' evidence, but for one that is the first's own sentence."""
        own = (self.first.evidence.start, self.first.evidence.end)
        return [x.evidence for x in self.restated if (x.evidence.start, x.evidence.end) != own]


@dataclass(frozen=True)
class MentionFacts:
    """What Python decides about a mention before the templates shape it (the ``resolved``
    root of a ``mention`` template)."""

    #: for people: the post's organisation when it names one body ("UBND thị xã Duyên
    #: Hải"), None for a bare head word ("UBND") or no post
    post_org: str | None = None
    #: for documents: what the IRI is minted from (the ELI number, else the name)
    document: str | None = None
    #: for documents: the number, when it is one ELI can hold (else None: CreativeWork)
    id_local: str | None = None
    #: for documents with a number: the document-type notation and the ISO date
    doc_type: str | None = None
    date: str | None = None


def observation_key(x: Quantity) -> tuple[str, str, str, str, str, str]:
    """The values of the Data Cube dimensions other than the article (and the statement
    index): two quantities of one article with the same key are the same figure. An
    unclassified figure is known only by its stated phrase: two of them are one figure only
    when they also say the same words ("100% cơ quan …" and "100% xã …" are two)."""
    end = x.period.end or x.period.start
    indicator = x.indicator
    if indicator == UNCLASSIFIED:
        indicator = f"{indicator}:{' '.join(fold(x.indicator_text).split())}"
    return (indicator, x.area, x.period.start, end, x.role, breakdown_iri(x.scope))


def group_quantities(record: ArticleRecord) -> list[ObservationGroup]:
    """Merge restatements of one figure, number the genuinely different values (IC-12).

    A warning names each key the article states with more than one value; it is added to
    ``record.warnings`` unless already there.
    """
    groups: list[ObservationGroup] = []
    by_key: dict[tuple, dict[tuple[Decimal, str], ObservationGroup]] = {}
    for x in record.quantities:
        values = by_key.setdefault(observation_key(x), {})
        value = (x.value.normalize(), x.unit)
        if value in values:
            values[value].restated.append(x)
            continue
        group = ObservationGroup(x, statement_index=len(values) + 1)
        values[value] = group
        groups.append(group)
    for values in by_key.values():
        if len(values) < 2:
            continue
        firsts = [g.first for g in values.values()]
        x = firsts[0]
        where = breakdown_iri(x.scope).rsplit("/", 1)[-1]
        stated = ", ".join(f"{y.stated!r} at {y.value_start}" for y in firsts)
        warning = (
            f"{x.indicator} for {x.area} ({x.period.start}–{x.period.end or x.period.start},"
            f" {x.role}, {where}) is stated with {len(firsts)} different values: {stated};"
            " kept apart by cdskg:statementIndex"
        )
        if warning not in record.warnings:
            record.warnings.append(warning)
    return groups
