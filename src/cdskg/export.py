"""Exports of the whole graph: Turtle, TriG, N-Quads, JSON-LD, and a CSV of observations."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox

from cdskg.errors import UsageError
from cdskg.namespaces import PREFIXES, sparql_prologue

EXPORT_FORMATS = ("ttl", "trig", "nq", "jsonld", "csv")

_CSV_QUERY = (
    sparql_prologue()
    + """
SELECT DISTINCT ?observation ?locality ?locality_code ?indicator ?pillar ?value ?unit ?qualifier
       ?period_start ?period_end ?article_title ?source_file ?quote
WHERE {
  ?observation a qb:Observation ;
       sdmx-dimension:refArea ?area ;
       sdmx-dimension:refPeriod ?period ;
       cdskg:indicator ?ind ;
       cdskg:pillar ?pil ;
       sdmx-measure:obsValue ?value ;
       sdmx-attribute:unitMeasure ?unit ;
       cdskg:sourceArticle ?article ;
       cdskg:evidence/oa:hasSelector/oa:exact ?quote .
  OPTIONAL { ?observation cdskg:qualifier ?qualifier }
  OPTIONAL { ?area rdfs:label ?locality }
  OPTIONAL { ?area skos:notation ?locality_code }
  OPTIONAL { ?ind skos:notation ?indicator }
  OPTIONAL { ?pil skos:prefLabel ?pillar FILTER(lang(?pillar) = "en") }
  OPTIONAL { ?period time:inXSDDate ?period_start }
  OPTIONAL { ?period time:hasBeginning/time:inXSDDate ?period_start ;
                     time:hasEnd/time:inXSDDate ?period_end }
  ?article schema:headline ?article_title ; dcterms:source ?source_file .
}
ORDER BY ?observation"""
)

CSV_COLUMNS = (
    "observation",
    "locality",
    "locality_code",
    "indicator",
    "pillar",
    "value",
    "unit",
    "qualifier",
    "period_start",
    "period_end",
    "article_title",
    "source_file",
    "quote",
)


def export(store: ox.Store, fmt: str, out: Path) -> int:
    """Write the graph in ``fmt`` to ``out``; returns the number of records written."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "csv":
        return _export_csv(store, out)
    if fmt in ("trig", "nq"):
        rdf_format = ox.RdfFormat.TRIG if fmt == "trig" else ox.RdfFormat.N_QUADS
        with out.open("wb") as fh:
            store.dump(fh, format=rdf_format, prefixes=PREFIXES if fmt == "trig" else None)
        return len(store)
    # the union of all graphs, as one graph
    # The union default graph repeats a triple once per graph holding it (periods,
    # shared by articles): a set keeps one, sorting keeps the output deterministic.
    triples = sorted({q.triple for q in store.quads_for_pattern(None, None, None, None)}, key=str)
    rdf_format = ox.RdfFormat.TURTLE if fmt == "ttl" else ox.RdfFormat.JSON_LD
    with out.open("wb") as fh:
        ox.serialize(triples, fh, format=rdf_format, prefixes=PREFIXES if fmt == "ttl" else None)
    return len(triples)


def _export_csv(store: ox.Store, out: Path) -> int:
    rows = store.query(_CSV_QUERY, use_default_graph_as_union=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    n = 0
    for row in rows:
        writer.writerow([row[c].value if row[c] is not None else "" for c in CSV_COLUMNS])
        n += 1
    # a BOM makes spreadsheet programs read the file as UTF-8
    out.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    return n
