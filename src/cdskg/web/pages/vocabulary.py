"""The store's own vocabulary for the query editor's autocompletion (``/vocabulary``): the
classes and properties the ontology declares and the data uses, and the prefixes the
endpoint predeclares. The editor asks this server, never a third-party service."""

from __future__ import annotations

import pyoxigraph as ox
from flask import jsonify, request

from cdskg.rdf.namespaces import PREFIXES
from cdskg.store.query import run_query
from cdskg.web.context import store
from cdskg.web.pages.common import bp
from cdskg.web.pages.home import PerVersion

# Declared in the ontology (or the standard vocabularies loaded with it) or used in the data.
_QUERIES = {
    "classes": """SELECT DISTINCT ?t WHERE {
        { ?t a owl:Class } UNION { ?t a rdfs:Class } UNION { [] a ?t }
        FILTER(isIRI(?t)) }""",
    "properties": """SELECT DISTINCT ?t WHERE {
        { ?t a rdf:Property } UNION { ?t a owl:ObjectProperty }
        UNION { ?t a owl:DatatypeProperty } UNION { ?t a owl:AnnotationProperty }
        UNION { [] ?t [] }
        FILTER(isIRI(?t)) }""",
}

_TERMS = PerVersion()


def vocabulary(st: ox.Store, version: str) -> dict[str, object]:
    """Classes and properties (full IRIs, sorted) and the predeclared prefixes; computed
    once per store version, since the properties query reads every triple."""

    def compute() -> dict[str, object]:
        out: dict[str, object] = {
            kind: sorted(r["t"].value for r in run_query(st, text))
            for kind, text in _QUERIES.items()
        }
        out["prefixes"] = dict(PREFIXES)
        return out

    return _TERMS.get(version, None, compute)


@bp.get("/vocabulary")
def vocabulary_json():
    st, version = store()
    resp = jsonify(vocabulary(st, version))
    resp.headers["X-Store-Version"] = version
    resp.headers["Cache-Control"] = "no-cache"
    resp.set_etag(version)
    return resp.make_conditional(request)
