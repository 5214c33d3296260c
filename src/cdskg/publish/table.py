"""The tidy CSV of observations (one row per figure, sorted by observation IRI) and its
CSV-W column metadata: the table form of the graph for spreadsheets and open-data portals."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from cdskg.rdf import formats
from cdskg.rdf import iri as mint
from cdskg.rdf.iri import META_GRAPH
from cdskg.rdf.namespaces import CDSKG, SCHEMA, SKOS, TIME, XSD, sparql_prologue
from cdskg.rdf.namespaces import DCTERMS as DCT

EXPORT_FORMATS = ("ttl", "trig", "nq", "jsonld", "csv")

#: Graphs left out of every export (see the module docstring).
EXCLUDED_GRAPHS = frozenset({META_GRAPH})

_EXPORTED = ("ttl", "trig", "nq", "jsonld")
MEDIA_TYPES = {n: formats.RDF[n].media for n in _EXPORTED} | {"csv": formats.CSV_MEDIA}
_RDF_FORMATS = {n: formats.RDF[n].rdf for n in _EXPORTED}

#: The CSV columns, in order, with their meaning (also published as CSV-W metadata).
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("observation", "IRI of the observation (qb:Observation)"),
    ("locality", "name of the administrative unit the figure is about (Vietnamese)"),
    ("locality_code", "statistics-office code of the unit (skos:notation)"),
    ("locality_level", "level of the unit: province, central-city, district, ward, commune …"),
    ("locality_iri", "IRI of the unit (carries its snapshot: pre2025, 2025 or former)"),
    ("province", "name of the province or central city the unit belongs to (itself if one)"),
    ("province_code", "statistics-office code of that province"),
    ("indicator", "indicator code (skos:notation in the cdskg thesaurus)"),
    ("indicator_label_vi", "indicator name in Vietnamese"),
    ("indicator_label_en", "indicator name in English"),
    ("pillar", "pillar code: digital-government, digital-economy, digital-society, overall"),
    ("value", "the value as a decimal number with a dot, in the unit as stated (90.13 for 90,13%)"),
    ("unit", "unit of measure: QUDT unit code (PERCENT, NUM, …)"),
    ("stated_as", "the figure as written in the article"),
    ("qualifier", "exact, approximate, at-least, more-than … as the article qualifies it"),
    ("value_role", "actual, target, …"),
    (
        "breakdown",
        "which part of the area the figure covers: total (the whole area), commune-average,"
        " district-level, commune-level … (cdskg:breakdown); compare figures of one breakdown",
    ),
    ("period", "the reference date (YYYY-MM-DD) or period (YYYY-MM-DD/YYYY-MM-DD), ISO 8601"),
    ("period_start", "first day of the reference period (the date itself for a date)"),
    ("period_end", "last day of the reference period (the date itself for a date)"),
    ("article", "IRI of the source article (also its named graph)"),
    ("article_title", "headline of the source article"),
    ("publisher", "publisher of the source article, as found in the source"),
    ("source_file", "file name of the article in the corpus"),
    ("quote", "the sentence that states the figure (oa:exact of the evidence)"),
)

#: The observations with their own values (one row per combination of values; an observation
#: with one value per property gives one row). Everything the CSV says about the unit, the
#: indicator, the pillar, the period and the article comes from small lookup tables
#: (:class:`_Lookups`), so the query stays a plain star join the engine runs in one pass.
_OBSERVATIONS_QUERY = (
    sparql_prologue()
    + """
SELECT ?observation ?area ?ind ?value ?article ?period ?pillar ?unit ?stated ?qualifier ?role
       ?quote ?breakdown
WHERE {
  ?observation a qb:Observation ;
       sdmx-dimension:refArea ?area ;
       cdskg:indicator ?ind ;
       sdmx-measure:obsValue ?value ;
       cdskg:sourceArticle ?article .
  OPTIONAL { ?observation sdmx-dimension:refPeriod ?period }
  OPTIONAL { ?observation cdskg:pillar ?pillar }
  OPTIONAL { ?observation sdmx-attribute:unitMeasure ?unit }
  OPTIONAL { ?observation cdskg:statedAs ?stated }
  OPTIONAL { ?observation cdskg:qualifier ?qualifier }
  OPTIONAL { ?observation cdskg:valueRole ?role }
  OPTIONAL { ?observation cdskg:evidence/oa:hasSelector/oa:exact ?quote }
  OPTIONAL { ?observation cdskg:breakdown ?breakdown }
}"""
)
_OBS_VARS = (
    "observation", "area", "ind", "value", "article", "period", "pillar", "unit", "stated",
    "qualifier", "role", "quote", "breakdown",
)  # fmt: skip
_PROVINCE_LEVELS = frozenset({mint.level("province"), mint.level("central-city")})

_NUMERIC = frozenset(
    XSD + t
    for t in (
        "integer", "decimal", "double", "float", "long", "int", "short", "byte",
        "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
        "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    )
)  # fmt: skip


def write_csvs(store: ox.Store, outs: dict[str, Path]) -> dict[str, int]:
    """Several CSVs from one observations query: ``csv`` (all) and ``csv:PILLAR-IRI`` (one
    pillar's observations) to files; returns the rows written to each."""
    table = observation_table(store)
    lookups = _Lookups(store)
    rows = [(o, lookups.row(o, table[o])) for o in sorted(table)]
    counts = {}
    for f, out in outs.items():
        pillar = ox.NamedNode(f[4:]) if f.startswith("csv:") else None
        counts[f] = _write_csv(
            (row for o, row in rows if pillar is None or pillar in table[o][5]), out
        )
    return counts


def csv_rows(store: ox.Store, where: str | None = None) -> Iterator[list[str]]:
    """The CSV rows (without header) of the observations, sorted by observation IRI."""
    table = observation_table(store, where)
    lookups = _Lookups(store)
    for observation in sorted(table):
        yield lookups.row(observation, table[observation])


def observation_table(store: ox.Store, where: str | None = None) -> dict[str, list[set]]:
    """Per observation IRI: the set of terms of each variable of the observations query
    (after ``observation``), the way ``GROUP BY ?observation`` sees them."""
    query = _OBSERVATIONS_QUERY
    if where is not None:
        query = query.replace("WHERE {\n", "WHERE {\n  " + where + "\n", 1)
    table: dict[str, list[set]] = {}
    width = len(_OBS_VARS)
    for solution in store.query(query, use_default_graph_as_union=True):
        terms = [solution[i] for i in range(width)]
        key = terms[0].value
        known = table.get(key)
        if known is None:
            table[key] = [set() if t is None else {t} for t in terms[1:]]
        else:
            for values, t in zip(known, terms[1:], strict=True):
                if t is not None:
                    values.add(t)
    return table


def _min_term(terms: Iterable) -> ox.NamedNode | ox.Literal | None:
    """The least term as SPARQL's MIN orders them here: numbers by value, the rest by text."""
    best = None
    best_key = None
    for term in terms:
        key = _order_key(term)
        if best_key is None or key < best_key:
            best, best_key = term, key
    return best


def _order_key(term) -> tuple:
    kind = type(term)
    if kind is ox.Literal and term.datatype.value in _NUMERIC:
        try:
            return (2, float(term.value), term.value)
        except ValueError:
            pass
    return (0 if kind is ox.BlankNode else 1 if kind is ox.NamedNode else 3, 0.0, term.value)


def _min_value(terms: Iterable) -> str:
    term = _min_term(terms)
    return "" if term is None else term.value


class _Lookups:
    """What the CSV says about units, indicators, pillars, periods and articles, looked up once
    per distinct term (there are far fewer of them than observations)."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.cache: dict[tuple[str, str], tuple[str, ...]] = {}

    def _objects(self, subject, predicate: str) -> set:
        if type(subject) is ox.Literal:
            return set()
        return {
            q.object
            for q in self.store.quads_for_pattern(subject, ox.NamedNode(predicate), None, None)
        }

    def _label(self, subject, lang: str) -> str:
        return _min_value(
            t
            for t in self._objects(subject, SKOS + "prefLabel")
            if type(t) is ox.Literal and t.language == lang
        )

    def _cached(self, kind: str, term, compute) -> tuple[str, ...]:
        key = (kind, term.value if term is not None else "")
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = compute(term)
        return found

    def area(self, area) -> tuple[str, ...]:
        """(name, code, level, province name, province code) of a unit."""
        return self._cached("area", area, self._area)

    def _area(self, area) -> tuple[str, ...]:
        levels = [n for lv in self._objects(area, CDSKG + "level") for n in self._notations(lv)]
        # skos:broader*: the unit itself and every unit above it
        reached, todo = {area}, [area]
        while todo:
            node = todo.pop()
            if type(node) is ox.Literal:
                continue
            for parent in self._objects(node, SKOS + "broader"):
                if parent not in reached:
                    reached.add(parent)
                    todo.append(parent)
        provinces = [
            p
            for p in reached
            if type(p) is not ox.Literal
            and any(lv.value in _PROVINCE_LEVELS for lv in self._objects(p, CDSKG + "level"))
        ]
        return (
            self._label(area, "vi"),
            _min_value(self._notations(area)),
            _min_value(levels),
            _min_value(
                t
                for p in provinces
                for t in self._objects(p, SKOS + "prefLabel")
                if type(t) is ox.Literal and t.language == "vi"
            ),
            _min_value(t for p in provinces for t in self._notations(p)),
        )

    def _notations(self, subject) -> set:
        if type(subject) is ox.Literal:
            return set()
        return self._objects(subject, SKOS + "notation")

    def indicator(self, ind) -> tuple[str, ...]:
        """(code, name vi, name en) of an indicator."""
        return self._cached(
            "ind",
            ind,
            lambda t: (_min_value(self._notations(t)), self._label(t, "vi"), self._label(t, "en")),
        )

    def pillar(self, pillar) -> tuple[ox.Literal | None, ...]:
        return self._cached("pillar", pillar, lambda t: (_min_term(self._notations(t)),))

    def article(self, article) -> tuple[str, ...]:
        """(title, publisher, source file) of an article."""
        return self._cached(
            "article",
            article,
            lambda t: tuple(
                _min_value(self._objects(t, p))
                for p in (SCHEMA + "headline", CDSKG + "publisherName", DCT + "source")
            ),
        )

    def period(self, period) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(start days, end days) of a period: its beginning and end, else its date."""
        return self._cached("period", period, self._period)

    def _period(self, period) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if type(period) is ox.Literal:
            return ((), ())
        instant = {t.value for t in self._objects(period, TIME + "inXSDDate")}

        def days(predicate: str) -> set[str]:
            return {
                t.value
                for node in self._objects(period, TIME + predicate)
                if type(node) is not ox.Literal
                for t in self._objects(node, TIME + "inXSDDate")
            }

        return (tuple(days("hasBeginning") or instant), tuple(days("hasEnd") or instant))

    def row(self, observation: str, values: list[set]) -> list[str]:
        (
            areas, inds, value, articles, periods, pillars, units, stated, qualifiers, roles,
            quotes, breakdowns,
        ) = values  # fmt: skip
        area = min(areas, key=lambda t: t.value)
        by_area = [self.area(a) for a in areas]
        by_ind = [self.indicator(i) for i in inds]
        by_article = [self.article(a) for a in articles]
        starts = {d for p in periods for d in self.period(p)[0]}
        ends = {d for p in periods for d in self.period(p)[1]}
        start, end = min(starts, default=""), min(ends, default="")
        period = start if start == end else f"{start}/{end}" if start and end else ""

        def least(rows: list[tuple[str, ...]], i: int) -> str:
            return min((r[i] for r in rows if r[i]), default="")

        return [
            observation,
            least(by_area, 0),
            least(by_area, 1),
            least(by_area, 2),
            area.value,
            least(by_area, 3),
            least(by_area, 4),
            least(by_ind, 0),
            least(by_ind, 1),
            least(by_ind, 2),
            _min_value(n for p in pillars for n in self.pillar(p) if n is not None),
            _min_value(value),
            min((_local_name(u.value, "/") for u in units), default=""),
            _min_value(stated),
            _min_value(qualifiers),
            min(
                (
                    _local_name(r.value, "/#") if type(r) is ox.NamedNode else r.value
                    for r in roles
                    if type(r) is not ox.BlankNode
                ),
                default="",
            ),
            min((_local_name(b.value, "/") for b in breakdowns), default=""),
            period,
            start,
            end,
            min((a.value for a in articles), default=""),
            least(by_article, 0),
            least(by_article, 1),
            least(by_article, 2),
            _min_value(quotes),
        ]


def _local_name(text: str, separators: str) -> str:
    """``REPLACE(STR(?x), "^.*[separators]", "")``: what follows the last separator."""
    first_line_end = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=None)
    head = text if first_line_end is None else text[:first_line_end]
    cut = max(head.rfind(c) for c in separators)
    return text if cut < 0 else text[cut + 1 :]


def export_csv(store: ox.Store, out: Path, where: str | None = None) -> int:
    """The tidy CSV: one row per observation, UTF-8 with a BOM (spreadsheets read it as
    UTF-8), CRLF line ends and quoting as RFC 4180; columns as :data:`CSV_COLUMNS`."""
    return _write_csv(csv_rows(store, where), out)


def _write_csv(rows: Iterable[list[str]], out: Path) -> int:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([name for name, _ in CSV_COLUMNS])
    n = 0
    for values in rows:
        writer.writerow([_spreadsheet_safe(v) for v in values])
        n += 1
    out.write_bytes(("\ufeff" + buf.getvalue()).encode("utf-8"))
    return n


def _spreadsheet_safe(value: str) -> str:
    """Quotes from articles never start a formula in a spreadsheet program."""
    if value and value[0] in "=+-@" and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def csvw_metadata(url: str, title: str = "cdskg observations") -> dict:
    """CSV on the Web (W3C) metadata describing the CSV columns."""
    datatypes = {"value": "decimal", "period_start": "date", "period_end": "date"}
    columns = []
    for name, description in CSV_COLUMNS:
        col = {"name": name, "titles": name, "dc:description": description}
        col["datatype"] = datatypes.get(
            name, "anyURI" if name.endswith(("iri", "observation", "article")) else "string"
        )
        columns.append(col)
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": url,
        "dc:title": title,
        "dialect": {"encoding": "utf-8", "header": True, "lineTerminators": ["\r\n"]},
        "tableSchema": {"columns": columns, "primaryKey": "observation"},
    }
