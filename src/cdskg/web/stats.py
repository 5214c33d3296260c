"""What the graph holds: counts for the home page and the CLI."""

from __future__ import annotations

import pyoxigraph as ox

from cdskg.rdf import iri
from cdskg.rdf.namespaces import sparql_prologue

_SUMMARY = (
    sparql_prologue()
    + """
SELECT
  (COUNT(DISTINCT ?article) AS ?articles)
  (COUNT(DISTINCT ?obs) AS ?observations)
  (COUNT(DISTINCT ?area) AS ?localities)
WHERE {
  ?article a schema:NewsArticle .
  OPTIONAL { ?obs cdskg:sourceArticle ?article ; sdmx-dimension:refArea ?area . }
}"""
)

_BY_PILLAR = (
    sparql_prologue()
    + """
SELECT ?pillar ?label (COUNT(?obs) AS ?n) WHERE {
  ?obs a qb:Observation ; cdskg:pillar ?pillar .
  OPTIONAL { ?pillar skos:prefLabel ?label FILTER(lang(?label) = "vi") }
} GROUP BY ?pillar ?label ORDER BY DESC(?n)"""
)

_LAST_BUILD = (
    sparql_prologue()
    + """
SELECT ?run ?ended WHERE {
  ?run a cdskg:BuildRun ; prov:endedAtTime ?ended .
} ORDER BY DESC(?ended) LIMIT 1"""
)


def summary(store: ox.Store) -> dict[str, object]:
    row = next(iter(store.query(_SUMMARY, use_default_graph_as_union=True)))
    pillars = [
        {
            "pillar": r["pillar"].value,
            "label": r["label"].value if r["label"] else r["pillar"].value,
            "count": int(r["n"].value),
        }
        for r in store.query(_BY_PILLAR, use_default_graph_as_union=True)
    ]
    last = list(store.query(_LAST_BUILD, default_graph=[ox.NamedNode(iri.META_GRAPH)]))
    return {
        "articles": int(row["articles"].value),
        "observations": int(row["observations"].value),
        "localities": int(row["localities"].value),
        "pillars": pillars,
        "last_build": last[0]["ended"].value if last else None,
    }
