"""The ontology documentation (``/ontology``), generated from ``ontology/*.ttl``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from flask import Response, render_template

from cdskg.rdf.namespaces import (
    CDSKG,
    ID,
    PREFIXES,
    RDF,
    RDFS,
    SKOS,
)
from cdskg.settings import project_paths
from cdskg.web import urls
from cdskg.web.errors import error_response
from cdskg.web.pages.common import RDF_FORMATS, bp, current_lang, wanted_format
from cdskg.web.pages.graph import compact, iri_node


@lru_cache(maxsize=2)
def _ontology_store(stamp: tuple) -> ox.Store:
    st = ox.Store()
    for path, _mtime in stamp:
        st.load(path=path, format=ox.RdfFormat.TURTLE)
    return st


def _ontology_files() -> list[Path]:
    return sorted(project_paths().ontology.glob("*.ttl"))


@bp.get("/ontology")
def ontology():
    files = _ontology_files()
    fmt = wanted_format()
    if fmt in RDF_FORMATS:
        st = _ontology_store(tuple((str(p), p.stat().st_mtime) for p in files))
        rdf_format, media = RDF_FORMATS[fmt]
        triples = [q.triple for q in st.quads_for_pattern(None, None, None, None)]
        return Response(ox.serialize(triples, format=rdf_format, prefixes=PREFIXES), mimetype=media)
    if fmt is None:
        return error_response(
            406,
            "not acceptable",
            "offered: text/html, text/turtle, application/ld+json, application/n-triples",
        )
    lang = current_lang()
    st = _ontology_store(tuple((str(p), p.stat().st_mtime) for p in files))
    owl = "http://www.w3.org/2002/07/owl#"

    def entries(type_iri: str, ns: str | None = None) -> list[dict]:
        out = []
        for t in st.quads_for_pattern(None, iri_node(RDF + "type"), iri_node(type_iri), None):
            s = t.subject
            if not isinstance(s, ox.NamedNode) or (ns and not s.value.startswith(ns)):
                continue
            out.append(_term_doc(st, s, lang))
        return sorted({e["iri"]: e for e in out}.values(), key=lambda e: e["compact"])

    schemes = []
    for scheme in sorted(
        {
            q.subject
            for q in st.quads_for_pattern(
                None, iri_node(RDF + "type"), iri_node(SKOS + "ConceptScheme"), None
            )
        },
        key=lambda n: n.value,
    ):
        members = sorted(
            {
                q.subject
                for q in st.quads_for_pattern(None, iri_node(SKOS + "inScheme"), scheme, None)
            },
            key=lambda n: n.value,
        )
        schemes.append(
            {
                "doc": _term_doc(st, scheme, lang),
                "concepts": [_term_doc(st, m, lang) for m in members],
            }
        )
    return render_template(
        "ontology.html",
        classes=entries(owl + "Class", CDSKG),
        object_properties=entries(owl + "ObjectProperty"),
        datatype_properties=entries(owl + "DatatypeProperty"),
        schemes=schemes,
        files=[p.name for p in files],
    )


def _term_doc(st: ox.Store, node: ox.NamedNode, lang: str) -> dict[str, object]:
    def lit(p: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for q in st.quads_for_pattern(node, iri_node(p), None, None):
            if isinstance(q.object, ox.Literal):
                out.setdefault(q.object.language or "", q.object.value)
        return out

    labels = lit(SKOS + "prefLabel") or lit(RDFS + "label")
    definitions = lit(SKOS + "definition") or lit(RDFS + "comment")
    iri = node.value
    local = iri.split("#", 1)[1] if "#" in iri else iri.rstrip("/").rsplit("/", 1)[-1]
    anchor = local if iri.startswith(CDSKG) else compact(iri).replace(":", "-").replace("/", "-")
    supers = [
        compact(q.object.value)
        for q in st.quads_for_pattern(node, iri_node(RDFS + "subClassOf"), None, None)
        if isinstance(q.object, ox.NamedNode)
    ]
    return {
        "iri": iri,
        "compact": compact(iri),
        "anchor": anchor,
        "vi": labels.get("vi", ""),
        "en": labels.get("en", ""),
        "definition": definitions.get(lang) or definitions.get("vi") or "",
        "supers": supers,
        "href": urls.resource(iri) if iri.startswith(ID) else None,
    }
