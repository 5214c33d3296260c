"""Mapping: typed records → RDF quads in the article's named graph.

The shape of the output is the interoperability contract in the README: every
observation is a ``qb:Observation`` with its dataset, area, period, indicator, pillar,
value, unit and the article it was derived from, and carries its evidence as a Web
Annotation ``oa:SpecificResource`` with a quote and a position selector.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

import pyoxigraph as ox

from cdskg import iri
from cdskg.namespaces import (
    CDSKG,
    DCTERMS,
    OA,
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
from cdskg.records import ArticleRecord, Evidence, Period, Quantity
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


def map_article(record: ArticleRecord, thesaurus: Thesaurus) -> list[ox.Quad]:
    """All quads of one article's named graph (whose name is the article IRI)."""
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
    for author in record.authors:
        q.add(a, SCHEMA + "author", lit(author))
    for unit in record.places.values():
        if unit.snapshot == FORMER:
            _former_unit(q, unit)
    for quantity in record.quantities:
        _observation(q, record, quantity, thesaurus)
    return q.items


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


def _observation(q: _Quads, record: ArticleRecord, x: Quantity, thesaurus: Thesaurus) -> None:
    indicator = thesaurus.indicators[x.indicator]
    obs = iri.observation(record.iri, x.value_start, x.indicator)
    q.add(obs, RDF + "type", QB + "Observation")
    q.add(obs, QB + "dataSet", iri.DATASET)
    q.add(obs, SDMX_DIMENSION + "refArea", x.area)
    q.add(obs, SDMX_DIMENSION + "refPeriod", _period(q, x.period))
    q.add(obs, CDSKG + "indicator", indicator.iri)
    q.add(obs, CDSKG + "sourceArticle", record.iri)
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
    q.add(obs, CDSKG + "evidence", _evidence(q, record.iri, x.evidence))
    q.add(obs, RDFS + "label", lit(f"{indicator.label_vi}: {x.stated}", "vi"))


def context_triples(record: ArticleRecord, thesaurus: Thesaurus) -> Iterator[ox.Triple]:
    """Type triples of what the article's graph points to (units, indicators, pillars),
    which live in the reference graph; validation needs them beside the article's."""
    for unit in record.places.values():
        yield ox.Triple(nn(unit.iri), _TYPE, nn(CDSKG + "AdministrativeUnit"))
        yield ox.Triple(nn(unit.iri), _TYPE, nn(CDSKG + CLASS_BY_LEVEL[unit.level]))
    notations = {x.indicator for x in record.quantities}
    for notation in notations:
        ind = thesaurus.indicators[notation]
        yield ox.Triple(nn(ind.iri), _TYPE, nn(CDSKG + "Indicator"))
        yield ox.Triple(nn(ind.pillar), _TYPE, nn(CDSKG + "Pillar"))
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
