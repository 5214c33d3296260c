"""Mapping: typed records → RDF quads in the article's named graph.

The shape of the output is the interoperability contract in the README: every
observation is a ``qb:Observation`` with its dataset, area, period, indicator, pillar,
value, unit and the article it was derived from, and carries its evidence as a Web
Annotation ``oa:SpecificResource`` with a quote and a position selector.

People, posts and organisations are mapped with W3C ORG (and FOAF/schema.org types),
legal documents with ELI (rules in ``mappings/documents.toml``), platforms with
schema.org; each is ``cdskg:mentionedIn`` the article with its evidence.

Figures repeated within one article (IC-12 of the Data Cube): quantities with the same
key (indicator, area, period, value role, breakdown) and the same value and unit are one
observation; the first statement is its ``cdskg:evidence`` and every later one a
``cdskg:additionalEvidence``. Different values under the same key are kept, told apart
by the ``cdskg:statementIndex`` dimension (1 for the first value the article states, 2
for the next …), and reported in ``record.warnings``: never merged, never dropped.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from cdskg import iri
from cdskg.iri import fold
from cdskg.namespaces import (
    CDSKG,
    DCTERMS,
    ELI,
    FOAF,
    OA,
    ORG,
    PROV,
    QB,
    RDF,
    RDFS,
    SCHEMA,
    SDMX_ATTRIBUTE,
    SDMX_DIMENSION,
    SDMX_MEASURE,
    SKOS,
    TIME,
    XSD,
)
from cdskg.records import ArticleRecord, Evidence, Mention, Period, Quantity
from cdskg.resources import project_paths
from cdskg.thesaurus import Thesaurus
from cdskg.units import CLASS_BY_LEVEL, FORMER, AdminUnit

_TYPE = ox.NamedNode(RDF + "type")


def nn(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def lit(value: str, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    if datatype:
        return ox.Literal(value, datatype=nn(datatype))
    return ox.Literal(value)


def decimal(value: Decimal) -> ox.Literal:
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if "." not in text:
        text += ".0"
    return lit(text, datatype=XSD + "decimal")


def integer(value: int) -> ox.Literal:
    return lit(str(value), datatype=XSD + "integer")


def xsd_date(value: str) -> ox.Literal:
    return lit(value, datatype=XSD + "date")


class _Quads:
    def __init__(self, graph: str):
        self.graph = nn(graph)
        self.items: list[ox.Quad] = []
        self._seen: set[ox.Quad] = set()

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal | str) -> None:
        obj = nn(o) if isinstance(o, str) else o
        quad = ox.Quad(nn(s), nn(p), obj, self.graph)
        if quad not in self._seen:
            self._seen.add(quad)
            self.items.append(quad)


#: Breakdown code of a figure about its whole area (``Quantity.scope`` is None).
TOTAL = "total"


def breakdown_iri(scope: str | None) -> str:
    """The ``cdskg:breakdown`` code of a scope: a concept of the breakdown scheme in
    ``ontology/thesaurus.ttl`` whose notation is the scope the extractor names ("whole",
    the extraction rules' word for "toàn quận", is the whole area: ``total``)."""
    if scope in (None, "whole"):
        scope = TOTAL
    return iri.breakdown(scope)


def document_type_iri(notation: str) -> str:
    """A concept of the document-type scheme in ``ontology/thesaurus.ttl``."""
    return iri.document_type(notation)


@dataclass(frozen=True)
class KnownDocument:
    id_local: str
    date: str | None = None
    doc_type: str | None = None


@dataclass(frozen=True)
class MappingRules:
    """Declarative mapping rules: ``mappings/documents.toml`` and the organisation head words
    of ``mappings/mentions.toml`` (a bare head such as "UBND" names no one organisation)."""

    id_pattern: re.Pattern[str]
    doc_types: dict[str, str] = field(default_factory=dict)  # type word → notation
    known: dict[str, KnownDocument] = field(default_factory=dict)  # folded name → document
    bare_heads: frozenset[str] = frozenset()  # folded

    @classmethod
    def load(cls, mappings_dir: Path) -> MappingRules:
        docs = tomllib.loads((mappings_dir / "documents.toml").read_text(encoding="utf-8"))
        mentions = tomllib.loads((mappings_dir / "mentions.toml").read_text(encoding="utf-8"))
        heads = mentions.get("organisations", {}).get("heads", [])
        return cls(
            id_pattern=re.compile(docs["id_pattern"]),
            doc_types={fold(k): v for k, v in docs.get("types", {}).items()},
            known={
                fold(name): KnownDocument(v["id_local"], v.get("date"), v.get("type"))
                for name, v in docs.get("known", {}).items()
            },
            bare_heads=frozenset(fold(h) for h in heads),
        )


@lru_cache(maxsize=4)
def _default_rules(mappings_dir: Path) -> MappingRules:
    return MappingRules.load(mappings_dir)


def default_rules() -> MappingRules:
    """The rules of the project's ``mappings/`` folder (``CDSKG_HOME`` or the source tree)."""
    return _default_rules(project_paths().mappings)


def map_article(
    record: ArticleRecord, thesaurus: Thesaurus, *, rules: MappingRules | None = None
) -> list[ox.Quad]:
    """All quads of one article's named graph (whose name is the article IRI).

    Warnings about figures the article states twice with different values are appended to
    ``record.warnings`` (once, however often the record is mapped).
    """
    rules = rules or default_rules()
    q = _Quads(record.iri)
    a = record.iri
    q.add(a, RDF + "type", SCHEMA + "NewsArticle")
    q.add(a, RDFS + "label", lit(record.title, "vi"))
    q.add(a, SCHEMA + "headline", lit(record.title, "vi"))
    q.add(a, SCHEMA + "text", lit(record.text, "vi"))
    q.add(a, DCTERMS + "source", lit(record.name))
    q.add(a, DCTERMS + "language", lit("vi"))
    q.add(a, CDSKG + "contentHash", lit(record.content_hash))
    if record.main_locality:
        q.add(a, CDSKG + "mainLocality", record.main_locality)
    if record.publisher:
        q.add(a, CDSKG + "publisherName", lit(record.publisher))
        publisher = iri.organisation(record.publisher)
        _organisation(q, publisher, record.publisher)
        q.add(publisher, RDF + "type", SCHEMA + "Organization")
        q.add(a, SCHEMA + "publisher", publisher)
    for author in record.authors:
        person = iri.person(author)
        _person_node(q, person, author)
        q.add(a, SCHEMA + "author", person)
    for unit in record.places.values():
        if unit.snapshot == FORMER:
            _former_unit(q, unit)
    for group in group_quantities(record):
        _observation(q, record, group, thesaurus)
    for mention in record.mentions:
        _mention(q, record, mention, rules)
    return q.items


@dataclass
class ObservationGroup:
    """The quantities that become one observation: the first, and its restatements."""

    first: Quantity
    restated: list[Quantity] = field(default_factory=list)
    statement_index: int = 1


def observation_key(x: Quantity) -> tuple[str, str, str, str, str, str]:
    """The values of the Data Cube dimensions other than the article (and the statement
    index): two quantities of one article with the same key are the same figure."""
    end = x.period.end or x.period.start
    return (x.indicator, x.area, x.period.start, end, x.role, breakdown_iri(x.scope))


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


def _organisation(q: _Quads, node: str, name: str) -> None:
    q.add(node, RDF + "type", ORG + "Organization")
    q.add(node, RDFS + "label", lit(name, "vi"))


def _person_node(q: _Quads, node: str, name: str) -> None:
    q.add(node, RDF + "type", FOAF + "Person")
    q.add(node, RDF + "type", SCHEMA + "Person")
    q.add(node, RDFS + "label", lit(name, "vi"))


def _mention(q: _Quads, record: ArticleRecord, m: Mention, rules: MappingRules) -> None:
    """A person, organisation, document or platform, mentioned in the article, with evidence."""
    if m.kind == "person":
        node = iri.person(m.name)
        _person_node(q, node, m.name)
        if m.post and m.organisation and fold(m.organisation) not in rules.bare_heads:
            org = iri.organisation(m.organisation)
            _organisation(q, org, m.organisation)
            post = iri.post(m.post, m.organisation)
            q.add(post, RDF + "type", ORG + "Post")
            q.add(post, RDFS + "label", lit(f"{m.post} {m.organisation}", "vi"))
            q.add(post, ORG + "postIn", org)
            q.add(node, ORG + "holds", post)
        elif m.post:
            # no organisation that names one body ("Chủ tịch UBND"): keep the title as said
            title = f"{m.post} {m.organisation}" if m.organisation else m.post
            q.add(node, SCHEMA + "jobTitle", lit(title, "vi"))
    elif m.kind == "organisation":
        node = iri.organisation(m.name)
        _organisation(q, node, m.name)
    elif m.kind == "document":
        node = _document(q, record, m, rules)
    elif m.kind == "platform":
        node = iri.platform(m.name)
        q.add(node, RDF + "type", CDSKG + "Platform")
        q.add(node, RDF + "type", SCHEMA + "SoftwareApplication")
        q.add(node, RDFS + "label", lit(m.name, "vi"))
    else:
        record.warnings.append(f"mention of unknown kind {m.kind!r} not mapped: {m.name!r}")
        return
    q.add(node, CDSKG + "mentionedIn", record.iri)
    q.add(record.iri, SCHEMA + "mentions", node)
    q.add(node, CDSKG + "evidence", _evidence(q, record.iri, m.evidence))


def _document(q: _Quads, record: ArticleRecord, m: Mention, rules: MappingRules) -> str:
    known = rules.known.get(fold(m.identifier or m.name)) or rules.known.get(fold(m.name))
    ident = known.id_local if known else m.identifier
    date = m.date or (known.date if known else None)
    doc_type = m.doc_type or (known.doc_type if known else None)
    if not ident or not rules.id_pattern.match(ident):
        node = iri.document(ident or m.name)
        q.add(node, RDF + "type", SCHEMA + "CreativeWork")
        q.add(node, RDFS + "label", lit(m.name, "vi"))
        warning = (
            f"document {m.name!r} at {m.evidence.start} has no number ELI can hold"
            " (add it under [known] in mappings/documents.toml); mapped as schema:CreativeWork"
        )
        if warning not in record.warnings:
            record.warnings.append(warning)
        return node
    node = iri.document(ident)
    q.add(node, RDF + "type", CDSKG + "LegalDocument")
    q.add(node, RDF + "type", ELI + "LegalResource")
    q.add(node, RDFS + "label", lit(m.name, "vi"))
    q.add(node, ELI + "id_local", lit(ident))
    notation = rules.doc_types.get(fold(doc_type)) if doc_type else None
    if notation:
        q.add(node, ELI + "type_document", document_type_iri(notation))
    if date:
        q.add(node, ELI + "date_document", xsd_date(date))
    return node


def _former_unit(q: _Quads, unit: AdminUnit) -> None:
    q.add(unit.iri, RDF + "type", CDSKG + CLASS_BY_LEVEL[unit.level])
    q.add(unit.iri, RDF + "type", CDSKG + "AdministrativeUnit")
    q.add(unit.iri, RDFS + "label", lit(unit.name, "vi"))
    q.add(unit.iri, SKOS + "prefLabel", lit(unit.name, "vi"))
    q.add(unit.iri, CDSKG + "snapshot", lit(unit.snapshot))
    q.add(unit.iri, CDSKG + "level", iri.ID + "level/" + unit.level)
    if unit.parent:
        q.add(unit.iri, SKOS + "broader", unit.parent)
        q.add(unit.iri, CDSKG + "parentUnit", unit.parent)
    q.add(unit.iri, DCTERMS + "isReplacedBy", unit.key)


def _period(q: _Quads, period: Period) -> str:
    node = iri.period(period.start, period.end)
    if period.end is None or period.end == period.start:
        q.add(node, RDF + "type", TIME + "Instant")
        q.add(node, TIME + "inXSDDate", xsd_date(period.start))
        return node
    q.add(node, RDF + "type", TIME + "ProperInterval")
    for prop, day in ((TIME + "hasBeginning", period.start), (TIME + "hasEnd", period.end)):
        instant = iri.period(day)
        q.add(node, prop, instant)
        q.add(instant, RDF + "type", TIME + "Instant")
        q.add(instant, TIME + "inXSDDate", xsd_date(day))
    return node


def _evidence(q: _Quads, article: str, ev: Evidence) -> str:
    node = iri.evidence(article, ev.start, ev.end)
    quote, position = node + "#quote", node + "#position"
    q.add(node, RDF + "type", OA + "SpecificResource")
    q.add(node, OA + "hasSource", article)
    q.add(node, OA + "hasSelector", quote)
    q.add(node, OA + "hasSelector", position)
    q.add(node, CDSKG + "sourceStart", integer(ev.source_start))
    q.add(node, CDSKG + "sourceEnd", integer(ev.source_end))
    q.add(quote, RDF + "type", OA + "TextQuoteSelector")
    q.add(quote, OA + "exact", lit(ev.exact))
    q.add(quote, OA + "prefix", lit(ev.prefix))
    q.add(quote, OA + "suffix", lit(ev.suffix))
    q.add(position, RDF + "type", OA + "TextPositionSelector")
    q.add(position, OA + "start", integer(ev.start))
    q.add(position, OA + "end", integer(ev.end))
    return node


def _observation(
    q: _Quads, record: ArticleRecord, group: ObservationGroup, thesaurus: Thesaurus
) -> None:
    x = group.first
    indicator = thesaurus.indicators[x.indicator]
    obs = iri.observation(record.iri, x.value_start, x.indicator)
    q.add(obs, RDF + "type", QB + "Observation")
    q.add(obs, QB + "dataSet", iri.DATASET)
    q.add(obs, SDMX_DIMENSION + "refArea", x.area)
    q.add(obs, SDMX_DIMENSION + "refPeriod", _period(q, x.period))
    q.add(obs, CDSKG + "indicator", indicator.iri)
    q.add(obs, CDSKG + "sourceArticle", record.iri)
    q.add(obs, CDSKG + "breakdown", breakdown_iri(x.scope))
    q.add(obs, CDSKG + "statementIndex", integer(group.statement_index))
    q.add(obs, SDMX_MEASURE + "obsValue", decimal(x.value))
    q.add(obs, SDMX_ATTRIBUTE + "unitMeasure", x.unit)
    q.add(obs, CDSKG + "pillar", indicator.pillar)
    q.add(obs, CDSKG + "qualifier", lit(x.qualifier))
    q.add(obs, CDSKG + "valueRole", lit(x.role))
    q.add(obs, CDSKG + "statedAs", lit(x.stated))
    q.add(obs, CDSKG + "periodBasis", lit(x.period.basis))
    if x.indicator_text:
        q.add(obs, CDSKG + "indicatorText", lit(x.indicator_text, "vi"))
    if x.numerator is not None:
        q.add(obs, CDSKG + "numerator", decimal(x.numerator))
    if x.denominator is not None:
        q.add(obs, CDSKG + "denominator", decimal(x.denominator))
    q.add(obs, PROV + "wasDerivedFrom", record.iri)
    evidence = _evidence(q, record.iri, x.evidence)
    q.add(obs, CDSKG + "evidence", evidence)
    for again in group.restated:
        other = _evidence(q, record.iri, again.evidence)
        if other != evidence:
            q.add(obs, CDSKG + "additionalEvidence", other)
    q.add(obs, RDFS + "label", lit(f"{indicator.label_vi}: {x.stated}", "vi"))


def context_triples(record: ArticleRecord, thesaurus: Thesaurus) -> Iterator[ox.Triple]:
    """Triples about what the article's graph points to (units, indicators, pillars),
    which live in the reference graph; validation needs them beside the article's."""
    for unit in record.places.values():
        yield ox.Triple(nn(unit.iri), _TYPE, nn(CDSKG + "AdministrativeUnit"))
        yield ox.Triple(nn(unit.iri), _TYPE, nn(CDSKG + CLASS_BY_LEVEL[unit.level]))
    notations = {x.indicator for x in record.quantities}
    for notation in notations:
        ind = thesaurus.indicators[notation]
        yield ox.Triple(nn(ind.iri), _TYPE, nn(CDSKG + "Indicator"))
        yield ox.Triple(nn(ind.pillar), _TYPE, nn(CDSKG + "Pillar"))
        # lets the unit-fits-indicator constraint run on one article too
        yield ox.Triple(nn(ind.iri), nn(CDSKG + "unitMeasure"), nn(ind.unit))
    yield ox.Triple(nn(iri.DATASET), _TYPE, nn(QB + "DataSet"))


def unit_quads(
    units: Iterable[AdminUnit], successors: dict[str, list[str]], graph: str
) -> Iterator[ox.Quad]:
    """The reference data of administrative units."""
    g = nn(graph)
    for unit in units:
        s = nn(unit.iri)
        yield ox.Quad(s, _TYPE, nn(CDSKG + "AdministrativeUnit"), g)
        yield ox.Quad(s, _TYPE, nn(CDSKG + CLASS_BY_LEVEL[unit.level]), g)
        yield ox.Quad(s, nn(RDFS + "label"), lit(unit.name, "vi"), g)
        yield ox.Quad(s, nn(SKOS + "prefLabel"), lit(unit.name, "vi"), g)
        yield ox.Quad(s, nn(SKOS + "altLabel"), lit(unit.short, "vi"), g)
        yield ox.Quad(s, nn(SKOS + "notation"), lit(unit.code), g)
        yield ox.Quad(s, nn(CDSKG + "snapshot"), lit(unit.snapshot), g)
        yield ox.Quad(s, nn(CDSKG + "level"), nn(iri.ID + "level/" + unit.level), g)
        if unit.snapshot == "2025":
            yield ox.Quad(s, nn(CDSKG + "validFrom"), xsd_date("2025-07-01"), g)
        else:
            yield ox.Quad(s, nn(CDSKG + "validUntil"), xsd_date("2025-06-30"), g)
        if unit.parent:
            yield ox.Quad(s, nn(SKOS + "broader"), nn(unit.parent), g)
            yield ox.Quad(s, nn(CDSKG + "parentUnit"), nn(unit.parent), g)
        for successor in successors.get(unit.iri, []):
            yield ox.Quad(s, nn(DCTERMS + "isReplacedBy"), nn(successor), g)
            yield ox.Quad(nn(successor), nn(DCTERMS + "replaces"), s, g)
