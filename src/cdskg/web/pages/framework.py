"""Where an indicator stands in the official frameworks: the collections (DTI and its parts,
the programmes' target sets, Đề án 06 …) that hold it, the legal documents it comes from,
its broader and narrower concepts, and a replacement when it is retired."""

from __future__ import annotations

import pyoxigraph as ox

from cdskg.rdf.namespaces import DCTERMS, ELI, OWL, SKOS
from cdskg.web.pages.graph import link, objects_of
from cdskg.web.pages.words import day


def _collections(st: ox.Store, node: ox.NamedNode) -> list[list[ox.NamedNode]]:
    """Each path of collections from a framework's top collection down to ``node``."""
    member = ox.NamedNode(SKOS + "member")
    paths: list[list[ox.NamedNode]] = []

    def up(path: list[ox.NamedNode]) -> None:
        parents = [q.subject for q in st.quads_for_pattern(None, member, path[0])]
        parents = [p for p in parents if isinstance(p, ox.NamedNode) and p not in path]
        if not parents:
            if len(path) > 1:
                paths.append(path[:-1])
            return
        for p in sorted(parents, key=lambda n: n.value):
            up([p, *path])

    up([node])
    return paths


def _document(st: ox.Store, doc: ox.NamedNode, lang: str) -> dict[str, object]:
    number = objects_of(st, doc, ELI + "id_local")
    date = objects_of(st, doc, ELI + "date_document")
    return {
        "doc": link(st, doc, lang),
        "number": number[0].value if number else "",
        "date": day(date[0].value, lang) if date else "",
    }


def framework_panel(st: ox.Store, node: ox.NamedNode, lang: str) -> dict[str, object]:
    """What the indicator page shows of the concept's frameworks (empty lists: none)."""

    def links(predicate: str, inverse: bool = False) -> list[dict[str, object]]:
        if inverse:
            found = [
                q.subject
                for q in st.quads_for_pattern(None, ox.NamedNode(predicate), node)
                if isinstance(q.subject, ox.NamedNode)
            ]
        else:
            found = [o for o in objects_of(st, node, predicate) if isinstance(o, ox.NamedNode)]
        return [link(st, n, lang) for n in sorted(set(found), key=lambda n: n.value)]

    sources = sorted(
        {o for o in objects_of(st, node, DCTERMS + "source") if isinstance(o, ox.NamedNode)},
        key=lambda n: n.value,
    )
    deprecated = any(o.value == "true" for o in objects_of(st, node, OWL + "deprecated"))
    return {
        "frameworks": [[link(st, c, lang) for c in path] for path in _collections(st, node)],
        "sources": [_document(st, d, lang) for d in sources],
        "broader": links(SKOS + "broader"),
        "narrower": links(SKOS + "broader", inverse=True),
        "deprecated": deprecated,
        "replaced_by": links(DCTERMS + "isReplacedBy"),
    }
