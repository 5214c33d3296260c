"""Catalogue parameters as people type them: an IRI parameter takes the full IRI, a prefixed
name, or the thing's notation or label (``?indicator=online-dossier-rate``,
``?area=Bình Thủy``), resolved among the IRIs of the parameter's kind (the path segment of
its default: ``id/indicator/``, ``id/unit/``, ``id/article/``). The form offers the things
of that kind that have facts as a pick list.

>>> kind_prefix(Param("area", "iri", "<https://w3id.org/cdskg/id/unit/pre2025/district/918>"))
'https://w3id.org/cdskg/id/unit/'
>>> looks_like_iri("cdsid:unit/2025/province/92"), looks_like_iri("Bình Thủy")
(True, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from cdskg.publish.query_catalogue import CatalogueQuery, Param
from cdskg.rdf.namespaces import CDSKG, ID, PREFIXES, SDMX_DIMENSION
from cdskg.store.query import run_query
from cdskg.text.fold import fold
from cdskg.web.pages.graph import label
from cdskg.web.pages.home import PerVersion, _label_index
from cdskg.web.pages.words import period_label

#: The observation property that links to things of each kind: the pick list offers those
#: with at least one fact.
KIND_PROPERTY = {
    "indicator": CDSKG + "indicator",
    "unit": SDMX_DIMENSION + "refArea",
    "article": CDSKG + "sourceArticle",
    "pillar": CDSKG + "pillar",
    "period": SDMX_DIMENSION + "refPeriod",
    "breakdown": CDSKG + "breakdown",
}
#: Longest pick list offered in a form.
PICK_MAX = 500


@dataclass
class Unresolved(Exception):
    """A parameter value that names nothing, or more than one thing, of its kind."""

    param: str
    value: str
    kind: str
    candidates: list[str]  # IRIs; empty when nothing matched


def looks_like_iri(raw: str) -> bool:
    value = raw.strip()
    if value.startswith("<") and value.endswith(">"):
        return True
    prefix, sep, _local = value.partition(":")
    return bool(sep) and (prefix in PREFIXES or bool(re.fullmatch(r"[a-z][a-z0-9+.-]*", prefix)))


def kind_prefix(p: Param) -> str | None:
    """``…/id/KIND/`` of an IRI parameter, from its default; None when it has none."""
    default = (p.default or "").strip("<>")
    if not default.startswith(ID):
        return None
    kind = default[len(ID) :].split("/", 1)[0]
    return ID + kind + "/" if kind else None


def resolve(st: ox.Store, version: str, q: CatalogueQuery, given: dict[str, str]) -> dict:
    """``given`` with IRI parameters typed as a notation or label replaced by the IRI.

    :raises Unresolved: when such a value names no thing of the parameter's kind, or several.
    """
    out = dict(given)
    for p in q.params:
        raw = (given.get(p.name) or "").strip()
        prefix = kind_prefix(p) if p.type == "iri" else None
        if not raw or prefix is None or looks_like_iri(raw):
            continue
        found = _matches(st, version, prefix, raw)
        if len(found) != 1:
            raise Unresolved(p.name, raw, prefix[len(ID) : -1], found)
        out[p.name] = found[0]
    return out


def _period_matches(st: ox.Store, version: str, raw: str) -> list[str]:
    """The periods with facts that ``raw`` names as people write them, in either language
    ("năm 2023", "2023", "quý III/2024", "Q3 2024", "ngày 30/5/2023"): the labels their pick
    list offers, for periods have no stored label."""
    wanted = " ".join(fold(raw).split())
    return sorted(iri for iri, names in _period_names(st, version) if wanted in names)


_PERIOD_NAMES = PerVersion()


def _period_names(st: ox.Store, version: str) -> list[tuple[str, set[str]]]:
    def compute() -> list[tuple[str, set[str]]]:
        rows = run_query(st, "SELECT DISTINCT ?p WHERE { ?o sdmx-dimension:refPeriod ?p }")
        out = []
        for r in rows:
            iri = r["p"].value
            if not iri.startswith(ID + "period/"):
                continue
            start, _, end = iri[len(ID + "period/") :].partition("--")
            names = {" ".join(fold(period_label(start, end or None, lang)).split())
                     for lang in ("vi", "en")}  # fmt: skip
            out.append((iri, names))
        return out

    return _PERIOD_NAMES.get(version, None, compute)


def _matches(st: ox.Store, version: str, prefix: str, raw: str) -> list[str]:
    # The thing's own path (`online-dossier-rate` for id/indicator/online-dossier-rate)
    slug = ox.NamedNode(prefix + raw) if re.fullmatch(r"[A-Za-z0-9._~/-]+", raw) else None
    if slug is not None and next(st.quads_for_pattern(slug, None, None), None) is not None:
        return [slug.value]
    notation = [
        r["s"].value
        for r in run_query(
            st,
            "SELECT DISTINCT ?s ?v ?prefix WHERE { ?s skos:notation ?n"
            " FILTER(STR(?n) = ?v && STRSTARTS(STR(?s), ?prefix)) }",
            substitutions={
                ox.Variable("v"): ox.Literal(raw),
                ox.Variable("prefix"): ox.Literal(prefix),
            },
        )
    ]
    if prefix == ID + "period/":
        return sorted(set(notation) | set(_period_matches(st, version, raw)))
    index, counts = _label_index(st, version)
    wanted = " ".join(fold(raw).split())
    labelled = sorted(
        {iri for folded, _text, iri in index if folded == wanted and iri.startswith(prefix)}
    )
    found = sorted(set(notation) | set(labelled))
    # Of several, the ones with facts: "Bình Thủy" is the district that reported, not a
    # namesake elsewhere.
    with_facts = [iri for iri in found if counts.get(iri)]
    return with_facts if len(found) > 1 and with_facts else found


_PICKS = PerVersion()


def pick_lists(st: ox.Store, version: str, q: CatalogueQuery, lang: str) -> dict[str, list]:
    """For each IRI parameter: ``[{value, label}]`` of the things of its kind that have
    facts, labels in ``lang``; the value is the label where no other option shares it."""
    out: dict[str, list] = {}
    for p in q.params:
        prefix = kind_prefix(p) if p.type == "iri" else None
        kind = prefix[len(ID) : -1] if prefix else None
        if kind not in KIND_PROPERTY:
            continue
        out[p.name] = _PICKS.get(version, (kind, lang), lambda k=kind: _picks(st, k, lang))
    return out


def _picks(st: ox.Store, kind: str, lang: str) -> list[dict[str, str]]:
    rows = run_query(
        st,
        "SELECT ?t ?p (COUNT(?o) AS ?n) WHERE { ?o ?p ?t } GROUP BY ?t ?p ORDER BY DESC(?n) ?t",
        substitutions={ox.Variable("p"): ox.NamedNode(KIND_PROPERTY[kind])},
    )
    things = [r["t"] for r in rows if isinstance(r["t"], ox.NamedNode)][:PICK_MAX]
    labels = [label(st, t, lang) for t in things]
    seen: dict[str, int] = {}
    for text in labels:
        seen[text] = seen.get(text, 0) + 1
    return [
        {"value": text if seen[text] == 1 else t.value, "label": text}
        for t, text in zip(things, labels, strict=True)
    ]
