"""The one place where cdskg mints IRIs.

Every IRI minted here lives under :data:`cdskg.rdf.namespaces.ID` and is built from a
*slug*: lower-case ASCII letters, digits and ``-``, made by :func:`slug` (Vietnamese
letters lose their marks, ``đ`` becomes ``d``, every other run of characters becomes
one ``-``). The rules are part of the public contract (README, "IRI scheme"): the same
input always gives the same IRI, so rebuilding a corpus yields the same graph.

===================  ==============================================  ============================
what                 pattern                                         from
===================  ==============================================  ============================
article (and graph)  ``id/article/{file-stem}``                      the source file's name
observation          ``id/obs/{file-stem}/{start}-{indicator}``      value offset, indicator
                     ``…/{start}-{indicator}--{unit}`` (one value    and the unit's code
                     stated for a list of units)
evidence             ``id/evidence/{file-stem}/{start}-{end}``       sentence offsets
administrative unit  ``id/unit/{snapshot}/{level}/{code}``           snapshot ``pre2025``/``2025``
the country          ``id/unit/country/{code}``                      ISO 3166-1 alpha-2 (``VN``)
indicator            ``id/indicator/{notation}``                     thesaurus notation
breakdown            ``id/breakdown/{notation}``                     thesaurus notation
document type        ``id/doctype/{notation}``                       thesaurus notation
pillar               ``id/pillar/{notation}``                        thesaurus notation
period               ``id/period/{YYYY-MM-DD}`` or ``{start}--{end}``  ISO dates
person               ``id/person/{name}``                            the person's name
post                 ``id/post/{post}--{organisation}``              post and organisation
organisation         ``id/org/{name}``                               the organisation's name
legal document       ``id/doc/{identifier}``                         its identifier
platform             ``id/platform/{name}``                          its name
build run            ``id/build/{timestamp}``                        UTC start time
===================  ==============================================  ============================

Statistics-office codes are reused over time (the 2025 reform re-coded units and
reused codes), so unit IRIs carry the snapshot the code belongs to and never collide.
"""

from __future__ import annotations

import re

from cdskg.rdf.namespaces import ID
from cdskg.text.fold import fold

_NON_SLUG = re.compile(r"[^a-z0-9]+")

#: Graph holding build provenance (PROV-O activities), separate from article graphs.
META_GRAPH = ID + "graph/meta"
#: Graph holding reference data: the ontology, the thesaurus and administrative units.
REFERENCE_GRAPH = ID + "graph/reference"
#: The Data Cube dataset that every extracted observation belongs to.
DATASET = ID + "dataset/observations"
#: The software agent that extracts facts.
AGENT = ID + "agent/cdskg"


def slug(text: str) -> str:
    """A stable ASCII slug.

    >>> slug("Phó Chủ tịch UBND quận Bình Thủy")
    'pho-chu-tich-ubnd-quan-binh-thuy'
    >>> slug("47/2020/NĐ-CP")
    '47-2020-nd-cp'
    """
    s = _NON_SLUG.sub("-", fold(text)).strip("-")
    if not s:
        raise ValueError(f"cannot make a slug from {text!r}: it has no letters or digits")
    return s


#: Every article IRI (and article graph name) starts with this.
ARTICLE_PREFIX = ID + "article/"


def article(file_name: str) -> str:
    stem = file_name.rsplit("/", 1)[-1]
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    return ARTICLE_PREFIX + slug(stem)


def article_slug(article_iri: str) -> str:
    return article_iri.rsplit("/", 1)[-1]


def observation(
    article_iri: str, start: int, indicator_notation: str, place: str | None = None
) -> str:
    """``place`` (a unit IRI) is given only when one value is stated for several units
    ("Bắc Giang, Lạng Sơn … đã hoàn thành 100%"): each unit's observation is its own.

    >>> observation("https://w3id.org/cdskg/id/article/a", 12, "dti-index")
    'https://w3id.org/cdskg/id/obs/a/12-dti-index'
    >>> observation("https://w3id.org/cdskg/id/article/a", 12, "dti-index",
    ...             "https://w3id.org/cdskg/id/unit/2025/province/01")
    'https://w3id.org/cdskg/id/obs/a/12-dti-index--2025-province-01'
    """
    base = f"{ID}obs/{article_slug(article_iri)}/{start}-{slug(indicator_notation)}"
    if place is None:
        return base
    return f"{base}--{slug(place.split('/unit/', 1)[-1])}"


def evidence(article_iri: str, start: int, end: int) -> str:
    return f"{ID}evidence/{article_slug(article_iri)}/{start}-{end}"


def unit(snapshot: str, level: str, code: str) -> str:
    return f"{ID}unit/{slug(snapshot)}/{slug(level)}/{slug(code)}"


def country(code: str = "VN") -> str:
    """The country as a unit (national figures), by its ISO 3166-1 alpha-2 code; it belongs
    to no snapshot, so its IRI has none."""
    return f"{ID}unit/country/{code}"


def indicator(notation: str) -> str:
    return f"{ID}indicator/{slug(notation)}"


def pillar(notation: str) -> str:
    return f"{ID}pillar/{slug(notation)}"


def breakdown(notation: str) -> str:
    """A code of the breakdown scheme (``total``, ``commune-level`` …)."""
    return f"{ID}breakdown/{slug(notation)}"


def document_type(notation: str) -> str:
    """A code of the legal-document-type scheme (``nghi-dinh``, ``ke-hoach`` …)."""
    return f"{ID}doctype/{slug(notation)}"


def level(notation: str) -> str:
    """An administrative unit level of the thesaurus: ``province``, ``ward`` …"""
    return ID + "level/" + notation


#: Periods' IRIs: this, then the start date, and ``--`` and the end date for an interval.
PERIOD_PREFIX = ID + "period/"


def period(start: str, end: str | None = None) -> str:
    """An instant (``end`` is None or equal to ``start``) or an interval of ISO dates."""
    if end is None or end == start:
        return PERIOD_PREFIX + start
    return f"{PERIOD_PREFIX}{start}--{end}"


def person(name: str) -> str:
    return f"{ID}person/{slug(name)}"


def post(post_name: str, organisation_name: str) -> str:
    return f"{ID}post/{slug(post_name)}--{slug(organisation_name)}"


def organisation(name: str) -> str:
    return f"{ID}org/{slug(name)}"


def document(identifier: str) -> str:
    return f"{ID}doc/{slug(identifier)}"


def platform(name: str) -> str:
    return f"{ID}platform/{slug(name)}"


#: The DCAT catalogue, its service and publisher (see dcat.py).
CATALOG = ID + "catalog"
WHOLE_DATASET = ID + "dataset/cdskg"
#: The facts without the reference data (the article graphs), part of the whole.
FACTS_DATASET = ID + "dataset/cdskg-facts"
SPARQL_SERVICE = ID + "service/sparql"
PUBLISHER = ID + "agent/publisher"
CONTACT_POINT = PUBLISHER + "#contact"
PILLAR_SCHEME = ID + "scheme/pillars"


def pillar_dataset(notation: str) -> str:
    """The DCAT dataset of one pillar's figures."""
    return f"{ID}dataset/pillar/{slug(notation)}"


def class_partition(dataset: str, class_iri: str) -> str:
    """VoID's partition of ``dataset`` by one class, named after the class's local name."""
    return f"{dataset}/class/{class_iri.rsplit('/', 1)[-1].replace('#', '-')}"


def distribution(file_name: str) -> str:
    """A DCAT distribution: one download file (``cdskg.ttl``, ``cdskg-digital-economy.csv``)."""
    return f"{ID}distribution/{file_name}"


def build_run(timestamp: str) -> str:
    return f"{ID}build/{slug(timestamp)}"
