"""DCAT-AP 3 description of the downloads, with VoID statistics, for open-data portals.

(Over 500 lines: DCAT-AP asks that much of one description: its terms are spelled
out here once, in the order the specification lists them.)

The catalogue (``cdskg export --format dcat``, ``/catalog`` on the server) describes

* one ``dcat:Dataset`` for the facts alone (the article graphs, N-Quads), part of the whole;
* one ``dcat:Dataset`` for the whole graph, distributed as Turtle, TriG, N-Quads, JSON-LD
  and CSV, and one per pillar (CSV and Turtle of that pillar's observations);
* per distribution: download URL, IANA media type, EU file type, byte size, SHA-256
  checksum (``spdx:checksum``), licence, ``dcterms:conformsTo`` the ontology;
* temporal coverage (first and last day of the reference periods) and spatial coverage
  (the provinces the figures are about) computed from the data; keywords and themes (EU
  data themes and the cdskg pillars) in Vietnamese and English; issued/modified from the
  build runs in the meta graph (first build, last build that changed an article);
* a ``dcat:DataService`` for the SPARQL endpoint, and VoID statistics of the whole graph.

The data files must exist to have a size and checksum:
:func:`cdskg.publish.datafiles.build_downloads` writes them
(once per store version) into a folder with a ``manifest.json``; the server's ``/downloads``
serves the same folder.

Publishing settings (:class:`PublishConfig`) come from the settings table
(``CDSKG_BASE_URL``, ``CDSKG_PUBLISHER_*``, ``CDSKG_CONTACT_EMAIL``, ``CDSKG_LICENSE``; see
:mod:`cdskg.settings` and the README). Without a base URL the catalogue's links use
:data:`DEFAULT_BASE_URL`, the ontology's persistent namespace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cdskg import __version__
from cdskg.publish.datafiles import _pillar_where, _pillars, _v, build_downloads
from cdskg.publish.export import MEDIA_TYPES
from cdskg.publish.table import csvw_metadata
from cdskg.rdf import iri as mint
from cdskg.rdf.iri import META_GRAPH
from cdskg.rdf.namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    ID,
    PREFIXES,
    RDF,
    RDFS,
    SKOS,
    VOID,
    XSD,
    sparql_prologue,
)
from cdskg.settings import Settings, from_env

SPDX = "http://spdx.org/rdf/terms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
ADMS = "http://www.w3.org/ns/adms#"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
DCATAP = "http://data.europa.eu/r5r/"
#: DCAT-AP planned availability "stable" (the IRI the DCAT-AP 3 shapes use as example)
STABLE = DCATAP + "stable"
ATTRIBUTION = "http://purl.org/adms/licencetype/Attribution"
PUBLIC_DOMAIN = "http://purl.org/adms/licencetype/PublicDomain"
ONTOLOGY = "https://w3id.org/cdskg/ontology"

CATALOG_PREFIXES = {
    **PREFIXES,
    "spdx": SPDX,
    "vcard": VCARD,
    "adms": ADMS,
    "dcatap": DCATAP,
    "eu-theme": EU + "data-theme/",
    "eu-filetype": EU + "file-type/",
    "eu-lang": EU + "language/",
}

#: Files of the whole-graph dataset, in catalogue order.
EU_FILE_TYPES = {
    "ttl": "RDF_TURTLE",
    "trig": "RDF_TRIG",
    "nq": "RDF_N_QUADS",
    "jsonld": "JSON_LD",
    "csv": "CSV",
}
FORMAT_NAMES = {
    "ttl": "Turtle",
    "trig": "TriG",
    "nq": "N-Quads",
    "jsonld": "JSON-LD",
    "csv": "CSV",
}
#: EU data themes per pillar notation.
PILLAR_THEMES = {
    "digital-government": ("GOVE", "TECH"),
    "digital-economy": ("ECON", "TECH"),
    "digital-society": ("SOCI", "TECH"),
    "overall": ("TECH",),
}
EU_THEME_LABELS = {
    "GOVE": ("Chính phủ và khu vực công", "Government and public sector"),
    "ECON": ("Kinh tế và tài chính", "Economy and finance"),
    "SOCI": ("Dân số và xã hội", "Population and society"),
    "TECH": ("Khoa học và công nghệ", "Science and technology"),
}
KNOWN_LICENSES = {
    # CKAN's licence register matches on the title "Creative Commons Attribution" (cc-by)
    "https://creativecommons.org/licenses/by/4.0/": (
        "Creative Commons Attribution",
        "CC-BY-4.0",
    ),
    "https://creativecommons.org/publicdomain/zero/1.0/": ("Creative Commons CCZero", "CC0-1.0"),
    "https://opendatacommons.org/licenses/odbl/1-0/": (
        "Open Data Commons Open Database License (ODbL)",
        "ODbL-1.0",
    ),
}


#: Where the catalogue's links point when no ``CDSKG_BASE_URL`` is set.
DEFAULT_BASE_URL = "https://w3id.org/cdskg"


@dataclass(frozen=True)
class PublishConfig:
    """Who publishes the data, under which licence, and where (see the module docstring)."""

    base_url: str = DEFAULT_BASE_URL
    publisher_name: str = "cdskg"
    publisher_url: str = ""
    contact_email: str = ""
    publisher_type: str = ""
    license: str = "https://creativecommons.org/licenses/by/4.0/"

    @classmethod
    def from_settings(cls, settings: Settings, base_url: str | None = None) -> PublishConfig:
        """The publishing part of ``settings``; ``base_url`` (the server's own) wins."""
        base = (base_url or settings.base_url or DEFAULT_BASE_URL).rstrip("/")
        return cls(
            base_url=base,
            publisher_name=settings.publisher_name,
            publisher_url=settings.publisher_url,
            contact_email=settings.contact_email,
            publisher_type=settings.publisher_type,
            license=settings.license,
        )

    @classmethod
    def from_env(
        cls, environ: dict[str, str] | None = None, base_url: str | None = None
    ) -> PublishConfig:
        return cls.from_settings(from_env(environ), base_url)

    def url(self, path: str) -> str:
        return self.base_url + path


# ------------------------------------------------------------------ the description


class _Graph:
    def __init__(self) -> None:
        self.triples: set[ox.Triple] = set()

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal | str) -> None:
        obj = ox.NamedNode(o) if isinstance(o, str) else o
        self.triples.add(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj))

    def text(self, s: str, p: str, vi: str, en: str) -> None:
        if vi:
            self.add(s, p, ox.Literal(vi, language="vi"))
        if en:
            self.add(s, p, ox.Literal(en, language="en"))


def _lit(value: object, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))


def _build_dates(store: ox.Store) -> tuple[str | None, str | None]:
    """(issued, modified): the first build's start, the last content-changing build's end."""
    rows = list(
        store.query(
            sparql_prologue()
            + f"""SELECT ?start ?end ?changes WHERE {{ GRAPH <{META_GRAPH}> {{
          ?run a prov:Activity ; prov:startedAtTime ?start .
          OPTIONAL {{ ?run prov:endedAtTime ?end }}
          OPTIONAL {{ ?run cdskg:articlesAdded ?a }} OPTIONAL {{ ?run cdskg:articlesChanged ?c }}
          OPTIONAL {{ ?run cdskg:articlesRemoved ?r }}
          BIND(COALESCE(?a, 1) + COALESCE(?c, 0) + COALESCE(?r, 0) AS ?changes) }} }}
          ORDER BY ?start"""
        )
    )
    if not rows:
        return None, None
    issued = rows[0]["start"].value
    changing = [r for r in rows if r["changes"] is None or int(r["changes"].value) > 0] or rows
    last = changing[-1]
    modified = (last["end"] or last["start"]).value
    return issued, modified


def _coverage(store: ox.Store, where: str = "") -> tuple[str, str, list[tuple[str, str]]]:
    """(first day, last day, [(province IRI, name)]) of the observations matching ``where``."""
    rows = list(
        store.query(
            sparql_prologue()
            + f"""SELECT (MIN(?d1) AS ?first) (MAX(?d2) AS ?last) WHERE {{
          ?observation a qb:Observation ; sdmx-dimension:refPeriod ?period . {where}
          OPTIONAL {{ ?period time:inXSDDate ?i }}
          OPTIONAL {{ ?period time:hasBeginning/time:inXSDDate ?b }}
          OPTIONAL {{ ?period time:hasEnd/time:inXSDDate ?e }}
          BIND(COALESCE(?b, ?i) AS ?d1) BIND(COALESCE(?e, ?i) AS ?d2) }}""",
            use_default_graph_as_union=True,
        )
    )
    first = _v(rows[0]["first"]) if rows else ""
    last = _v(rows[0]["last"]) if rows else ""
    places = store.query(
        sparql_prologue()
        + f"""SELECT ?prov (MIN(?name_) AS ?name) WHERE {{
          {{ SELECT DISTINCT ?area WHERE {{
               ?observation a qb:Observation ; sdmx-dimension:refArea ?area . {where} }} }}
          ?area skos:broader* ?prov .
          ?prov cdskg:level ?level .
          FILTER(?level IN (<https://w3id.org/cdskg/id/level/province>,
                            <https://w3id.org/cdskg/id/level/central-city>))
          OPTIONAL {{ ?prov skos:prefLabel ?name_ FILTER(lang(?name_) = "vi") }}
        }} GROUP BY ?prov ORDER BY ?prov""",
        use_default_graph_as_union=True,
    )
    return first, last, [(r["prov"].value, _v(r["name"])) for r in places]


def void_statistics(store: ox.Store) -> dict[str, int]:
    """Counts of the exported graph (meta graph left out, as in the exports)."""
    where = f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{META_GRAPH}>)"
    q = f"""SELECT (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties)
               (COUNT(DISTINCT ?o) AS ?objects) WHERE {{ {where} }}"""
    row = next(iter(store.query(q)))
    classes = next(
        iter(
            store.query(
                f"""SELECT (COUNT(DISTINCT ?c) AS ?n) (COUNT(DISTINCT ?s) AS ?e) WHERE {{
              GRAPH ?g {{ ?s a ?c }} FILTER(?g != <{META_GRAPH}>) }}"""
            )
        )
    )
    return {
        "distinctSubjects": int(row["subjects"].value),
        "properties": int(row["properties"].value),
        "distinctObjects": int(row["objects"].value),
        "classes": int(classes["n"].value),
        "entities": int(classes["e"].value),
    }


_CLASS_PARTITIONS = (
    "http://purl.org/linked-data/cube#Observation",
    "https://schema.org/NewsArticle",
    PREFIXES["cdskg"] + "AdministrativeUnit",
    PREFIXES["cdskg"] + "Indicator",
    "http://www.w3.org/ns/oa#SpecificResource",
)


def _void(g: _Graph, store: ox.Store, ds: str, manifest: dict, config: PublishConfig) -> None:
    stats = void_statistics(store)
    files = manifest["files"]
    g.add(ds, RDF + "type", VOID + "Dataset")
    g.add(ds, VOID + "triples", _lit(files["cdskg.ttl"]["records"], "integer"))
    for key, value in stats.items():
        g.add(ds, VOID + key, _lit(value, "integer"))
    g.add(ds, VOID + "sparqlEndpoint", config.url("/sparql"))
    g.add(ds, VOID + "uriSpace", ox.Literal(ID))
    g.add(ds, VOID + "feature", "http://www.w3.org/ns/formats/Turtle")
    g.add(ds, VOID + "feature", "http://www.w3.org/ns/formats/TriG")
    g.add(ds, VOID + "feature", "http://www.w3.org/ns/formats/N-Quads")
    g.add(ds, VOID + "feature", "http://www.w3.org/ns/formats/JSON-LD")
    for fmt in ("ttl", "trig", "nq", "jsonld"):
        g.add(ds, VOID + "dataDump", config.url(f"/downloads/cdskg.{fmt}"))
    for vocab in sorted(
        {PREFIXES[p] for p in ("cdskg", "qb", "skos", "oa", "prov", "time", "schema", "dcterms")}
        | {PREFIXES["sdmx-dimension"], PREFIXES["sdmx-measure"], PREFIXES["sdmx-attribute"]}
    ):
        g.add(ds, VOID + "vocabulary", vocab)
    for cls in _CLASS_PARTITIONS:
        n = next(
            iter(
                store.query(
                    f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
                  GRAPH ?g {{ ?s a <{cls}> }} FILTER(?g != <{META_GRAPH}>) }}"""
                )
            )
        )["n"].value
        part = mint.class_partition(ds, cls)
        g.add(ds, VOID + "classPartition", part)
        g.add(part, VOID + "class", cls)
        g.add(part, VOID + "entities", _lit(n, "integer"))


def catalog_triples(
    store: ox.Store, version: str, manifest: dict, config: PublishConfig
) -> list[ox.Triple]:
    """The DCAT-AP 3 catalogue with VoID statistics, as sorted triples."""
    g = _Graph()
    catalog = mint.CATALOG
    whole = mint.WHOLE_DATASET
    service = mint.SPARQL_SERVICE
    publisher = mint.PUBLISHER
    contact = mint.CONTACT_POINT
    licence = config.license
    issued, modified = _build_dates(store)
    langs = [EU + "language/VIE", EU + "language/ENG"]

    # agents, licence, shared reference terms (typed for the DCAT-AP range shapes)
    g.add(publisher, RDF + "type", FOAF + "Agent")
    g.add(publisher, FOAF + "name", ox.Literal(config.publisher_name))
    g.add(publisher, FOAF + "homepage", config.publisher_url or config.url("/"))
    g.add(config.publisher_url or config.url("/"), RDF + "type", FOAF + "Document")
    g.add(contact, RDF + "type", VCARD + "Kind")
    g.add(contact, RDF + "type", VCARD + "Organization")
    g.add(contact, VCARD + "fn", ox.Literal(config.publisher_name))
    if config.contact_email:
        g.add(contact, VCARD + "hasEmail", "mailto:" + config.contact_email.removeprefix("mailto:"))
    g.add(contact, VCARD + "hasURL", config.publisher_url or config.url("/"))
    g.add(licence, RDF + "type", DCTERMS + "LicenseDocument")
    title, spdx_id = KNOWN_LICENSES.get(licence, (licence, ""))
    g.add(licence, DCTERMS + "title", ox.Literal(title))
    if spdx_id:
        g.add(licence, DCTERMS + "identifier", ox.Literal(spdx_id))
        g.add(licence, DCTERMS + "type", ATTRIBUTION if "/by" in licence else PUBLIC_DOMAIN)
    g.add(ATTRIBUTION, RDF + "type", SKOS + "Concept")
    g.add(ATTRIBUTION, SKOS + "prefLabel", ox.Literal("Attribution", language="en"))
    g.add(PUBLIC_DOMAIN, RDF + "type", SKOS + "Concept")
    g.add(PUBLIC_DOMAIN, SKOS + "prefLabel", ox.Literal("Public domain", language="en"))
    if config.publisher_type:
        g.add(publisher, DCTERMS + "type", config.publisher_type)
        g.add(config.publisher_type, RDF + "type", SKOS + "Concept")
        label = config.publisher_type.rstrip("/").rsplit("/", 1)[-1]
        g.add(config.publisher_type, SKOS + "prefLabel", ox.Literal(label, language="en"))
    for lang, (vi, en) in zip(
        langs, [("tiếng Việt", "Vietnamese"), ("tiếng Anh", "English")], strict=True
    ):
        g.add(lang, RDF + "type", DCTERMS + "LinguisticSystem")
        g.text(lang, SKOS + "prefLabel", vi, en)
    g.add(ONTOLOGY, RDF + "type", DCTERMS + "Standard")
    g.text(ONTOLOGY, DCTERMS + "title", "Bản thể học cdskg", "cdskg ontology")
    vietnam = EU + "country/VNM"
    g.add(vietnam, RDF + "type", DCTERMS + "Location")
    g.text(vietnam, SKOS + "prefLabel", "Việt Nam", "Viet Nam")
    theme_scheme = EU + "data-theme"
    g.add(theme_scheme, RDF + "type", SKOS + "ConceptScheme")
    g.add(theme_scheme, DCTERMS + "title", ox.Literal("Data theme", language="en"))
    pillar_scheme = mint.PILLAR_SCHEME
    g.add(pillar_scheme, RDF + "type", SKOS + "ConceptScheme")
    g.text(
        pillar_scheme, DCTERMS + "title", "Trụ cột chuyển đổi số", "Digital transformation pillars"
    )
    for code, (vi, en) in EU_THEME_LABELS.items():
        theme = EU + "data-theme/" + code
        g.add(theme, RDF + "type", SKOS + "Concept")
        g.add(theme, SKOS + "inScheme", theme_scheme)
        g.text(theme, SKOS + "prefLabel", vi, en)

    # the catalogue
    g.add(catalog, RDF + "type", DCAT + "Catalog")
    g.text(
        catalog,
        DCTERMS + "title",
        "Đồ thị tri thức chuyển đổi số địa phương Việt Nam (cdskg)",
        "Knowledge graph of Vietnam's local digital transformation (cdskg)",
    )
    g.text(
        catalog,
        DCTERMS + "description",
        "Số liệu chuyển đổi số của các địa phương Việt Nam (chính quyền số, kinh tế số, xã "
        "hội số) trích từ báo chí, mỗi số liệu kèm câu trích dẫn làm bằng chứng.",
        "Figures on the digital transformation of Vietnam's localities (digital government, "
        "economy and society) extracted from news articles, each with the sentence that "
        "states it as evidence.",
    )
    g.add(catalog, DCTERMS + "publisher", publisher)
    g.add(catalog, DCTERMS + "license", licence)
    g.add(catalog, FOAF + "homepage", config.url("/"))
    g.add(config.url("/"), RDF + "type", FOAF + "Document")
    g.add(catalog, DCTERMS + "spatial", vietnam)
    g.add(catalog, DCAT + "themeTaxonomy", theme_scheme)
    g.add(catalog, DCAT + "themeTaxonomy", pillar_scheme)
    g.add(catalog, DCAT + "service", service)
    for lang in langs:
        g.add(catalog, DCTERMS + "language", lang)
    if issued:
        g.add(catalog, DCTERMS + "issued", _lit(issued, "dateTime"))
    if modified:
        g.add(catalog, DCTERMS + "modified", _lit(modified, "dateTime"))

    files = manifest["files"]

    def part(name: str) -> str:
        return files[name].get("part", "pillar" if files[name]["pillar"] else "whole")

    datasets: list[tuple[str, str | None, str, str, list[str]]] = [
        (whole, None, "", "", [n for n in files if part(n) == "whole"])
    ]
    facts = [n for n in files if part(n) == "facts"]
    if facts:
        datasets.append((mint.FACTS_DATASET, None, "", "", facts))
    pillars = {notation: (iri, vi, en) for iri, notation, vi, en in _pillars(store)}
    for notation in sorted(pillars):
        names = [n for n in files if files[n]["pillar"] == notation]
        datasets.append((mint.pillar_dataset(notation), notation, "", "", names))

    for ds, notation, _, _, names in datasets:
        g.add(catalog, DCAT + "dataset", ds)
        g.add(ds, RDF + "type", DCAT + "Dataset")
        g.add(service, DCAT + "servesDataset", ds)
        where = ""
        if ds == mint.FACTS_DATASET:
            g.text(
                ds,
                DCTERMS + "title",
                "Chuyển đổi số địa phương Việt Nam: chỉ các dữ kiện",
                "Local digital transformation in Vietnam: the facts alone",
            )
            g.text(
                ds,
                DCTERMS + "description",
                "Các dữ kiện không kèm dữ liệu tham chiếu: số liệu với bằng chứng, bài báo nguồn, "
                "cán bộ, văn bản, nền tảng; mỗi bài báo một đồ thị có tên. Bản thể học, bộ chỉ "
                "tiêu và đơn vị hành chính (phần lớn toàn bộ đồ thị) nằm trong bộ dữ liệu đầy đủ.",
                "The facts without the reference data: the figures with their evidence, the "
                "source articles, officials, documents, platforms; each article in its own "
                "named graph. The ontology, indicator thesaurus and administrative units (most "
                "of the whole graph) are in the whole dataset.",
            )
            themes = sorted({t for ts in PILLAR_THEMES.values() for t in ts})
            pillar_iris = [pillars[n][0] for n in sorted(pillars)]
            g.add(ds, DCTERMS + "isPartOf", whole)
            g.add(whole, DCTERMS + "hasPart", ds)
        elif notation is None:
            g.text(
                ds,
                DCTERMS + "title",
                "Chuyển đổi số địa phương Việt Nam: toàn bộ đồ thị",
                "Local digital transformation in Vietnam: the whole graph",
            )
            g.text(
                ds,
                DCTERMS + "description",
                "Toàn bộ đồ thị: các số liệu (RDF Data Cube) với bằng chứng (Web Annotation), "
                "bài báo nguồn, bản thể học, bộ chỉ tiêu và đơn vị hành chính. TriG và "
                "N-Quads giữ mỗi bài báo trong đồ thị có tên riêng; CSV có một dòng mỗi số liệu.",
                "The whole graph: the figures (RDF Data Cube) with their evidence (Web "
                "Annotation), the source articles, the ontology, the indicator thesaurus and "
                "the administrative units. TriG and N-Quads keep each article in its own named "
                "graph; the CSV has one row per figure.",
            )
            themes = sorted({t for ts in PILLAR_THEMES.values() for t in ts})
            pillar_iris = [pillars[n][0] for n in sorted(pillars)]
            for n in sorted(pillars):
                g.add(ds, DCTERMS + "hasPart", mint.pillar_dataset(n))
        else:
            iri, vi, en = pillars[notation]
            where = _pillar_where(iri)
            g.text(
                ds,
                DCTERMS + "title",
                f"Chuyển đổi số địa phương Việt Nam: {vi}",
                f"Local digital transformation in Vietnam: {en}",
            )
            g.text(
                ds,
                DCTERMS + "description",
                f"Các số liệu thuộc trụ cột {vi} với bằng chứng trích từ bài báo nguồn.",
                f"The figures of the {en} pillar with the evidence quoted from their articles.",
            )
            themes = list(PILLAR_THEMES.get(notation, ("TECH",)))
            pillar_iris = [iri]
            g.text(ds, DCAT + "keyword", vi, en)
            g.add(ds, DCTERMS + "isPartOf", whole)
        for theme in themes:
            g.add(ds, DCAT + "theme", EU + "data-theme/" + theme)
        for iri in pillar_iris:
            g.add(ds, DCAT + "theme", iri)
            g.add(iri, RDF + "type", SKOS + "Concept")
            g.add(iri, SKOS + "inScheme", pillar_scheme)
            _, pvi, pen = pillars[next(n for n in pillars if pillars[n][0] == iri)]
            g.text(iri, SKOS + "prefLabel", pvi, pen)
        g.text(ds, DCAT + "keyword", "chuyển đổi số", "digital transformation")
        g.text(ds, DCAT + "keyword", "Việt Nam", "Vietnam")
        g.text(ds, DCAT + "keyword", "địa phương", "local government")
        g.add(ds, DCTERMS + "publisher", publisher)
        g.add(ds, DCAT + "contactPoint", contact)
        g.add(ds, DCTERMS + "conformsTo", ONTOLOGY)
        g.add(ds, DCAT + "landingPage", config.url("/downloads"))
        g.add(config.url("/downloads"), RDF + "type", FOAF + "Document")
        g.add(ds, DCTERMS + "identifier", ox.Literal(ds))
        for lang in langs:
            g.add(ds, DCTERMS + "language", lang)
        if issued:
            g.add(ds, DCTERMS + "issued", _lit(issued, "dateTime"))
        if modified:
            g.add(ds, DCTERMS + "modified", _lit(modified, "dateTime"))
        first, last, provinces = _coverage(store, where)
        if first or last:
            period = ds + "#temporal"
            g.add(ds, DCTERMS + "temporal", period)
            g.add(period, RDF + "type", DCTERMS + "PeriodOfTime")
            if first:
                g.add(period, DCAT + "startDate", _lit(first, "date"))
            if last:
                g.add(period, DCAT + "endDate", _lit(last, "date"))
        for prov, name in provinces:
            g.add(ds, DCTERMS + "spatial", prov)
            g.add(prov, RDF + "type", DCTERMS + "Location")
            if name:
                g.add(prov, SKOS + "prefLabel", ox.Literal(name, language="vi"))
        for name in names:
            _distribution(g, ds, name, files[name], licence, config, issued, modified)

    # the SPARQL endpoint
    g.add(service, RDF + "type", DCAT + "DataService")
    g.text(service, DCTERMS + "title", "Điểm truy vấn SPARQL cdskg", "cdskg SPARQL endpoint")
    g.text(
        service,
        DCTERMS + "description",
        "Truy vấn SPARQL 1.1 trên hợp của mọi đồ thị có tên.",
        "SPARQL 1.1 queries over the union of all named graphs.",
    )
    g.add(service, DCAT + "endpointURL", config.url("/sparql"))
    g.add(service, DCAT + "endpointDescription", config.url("/sparql"))
    g.add(service, DCTERMS + "conformsTo", "https://www.w3.org/TR/sparql11-protocol/")
    g.add("https://www.w3.org/TR/sparql11-protocol/", RDF + "type", DCTERMS + "Standard")
    g.add(service, DCTERMS + "publisher", publisher)
    g.add(service, DCAT + "contactPoint", contact)
    g.add(service, DCTERMS + "license", licence)
    g.text(service, DCAT + "keyword", "SPARQL", "SPARQL")
    g.text(service, DCAT + "keyword", "chuyển đổi số", "digital transformation")
    g.add(service, DCAT + "theme", EU + "data-theme/TECH")

    _void(g, store, whole, manifest, config)
    g.add(whole, DCAT + "version", ox.Literal(version))
    g.add(catalog, RDFS + "comment", ox.Literal(f"cdskg {__version__}, store version {version}"))
    return sorted(g.triples, key=str)


def _distribution(
    g: _Graph,
    ds: str,
    name: str,
    info: dict,
    licence: str,
    config: PublishConfig,
    issued: str | None,
    modified: str | None,
) -> None:
    fmt = info["format"]
    dist = mint.distribution(name)
    url = config.url(f"/downloads/{name}")
    g.add(ds, DCAT + "distribution", dist)
    g.add(dist, RDF + "type", DCAT + "Distribution")
    what = f"{FORMAT_NAMES[fmt]} ({name})"
    g.text(dist, DCTERMS + "title", what, what)
    described = {
        "ttl": ("đồ thị hợp nhất", "the union graph"),
        "jsonld": ("đồ thị hợp nhất", "the union graph"),
        "trig": ("mỗi bài báo một đồ thị có tên", "each article in its named graph"),
        "nq": ("mỗi bài báo một đồ thị có tên", "each article in its named graph"),
        "csv": ("một dòng mỗi số liệu", "one row per figure"),
    }[fmt]
    if info["pillar"] is not None and fmt == "ttl":
        described = ("số liệu với bằng chứng", "figures with their evidence")
    if info.get("part") == "facts":
        described = (
            "chỉ các dữ kiện, mỗi bài báo một đồ thị có tên",
            "the facts alone, each article in its named graph",
        )
    g.text(
        dist,
        DCTERMS + "description",
        f"{FORMAT_NAMES[fmt]}: {described[0]}.",
        f"{FORMAT_NAMES[fmt]}: {described[1]}.",
    )
    g.add(dist, DCAT + "accessURL", url)
    g.add(dist, DCAT + "downloadURL", url)
    media = IANA + MEDIA_TYPES[fmt]
    g.add(dist, DCAT + "mediaType", media)
    g.add(media, RDF + "type", DCTERMS + "MediaType")
    file_type = EU + "file-type/" + EU_FILE_TYPES[fmt]
    g.add(dist, DCTERMS + "format", file_type)
    g.add(file_type, RDF + "type", DCTERMS + "MediaTypeOrExtent")
    g.add(dist, DCAT + "byteSize", _lit(info["bytes"], "nonNegativeInteger"))
    checksum = dist + "#checksum"
    g.add(dist, SPDX + "checksum", checksum)
    g.add(checksum, RDF + "type", SPDX + "Checksum")
    g.add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
    g.add(SPDX + "checksumAlgorithm_sha256", RDF + "type", SPDX + "ChecksumAlgorithm")
    g.add(checksum, SPDX + "checksumValue", _lit(info["sha256"], "hexBinary"))
    g.add(dist, DCTERMS + "license", licence)
    g.add(dist, DCTERMS + "conformsTo", ONTOLOGY)
    g.add(dist, DCATAP + "availability", STABLE)
    g.add(STABLE, RDF + "type", SKOS + "Concept")
    g.add(STABLE, SKOS + "prefLabel", ox.Literal("stable", language="en"))
    g.add(dist, ADMS + "status", EU + "distribution-status/COMPLETED")
    g.add(EU + "distribution-status/COMPLETED", RDF + "type", SKOS + "Concept")
    g.add(
        EU + "distribution-status/COMPLETED",
        SKOS + "prefLabel",
        ox.Literal("Completed", language="en"),
    )
    if fmt == "csv":
        g.add(dist, FOAF + "page", config.url(f"/downloads/{name}-metadata.json"))
        g.add(config.url(f"/downloads/{name}-metadata.json"), RDF + "type", FOAF + "Document")
    if issued:
        g.add(dist, DCTERMS + "issued", _lit(issued, "dateTime"))
    if modified:
        g.add(dist, DCTERMS + "modified", _lit(modified, "dateTime"))


def serialize(triples: list[ox.Triple], fmt: str = "ttl") -> bytes:
    """The catalogue in Turtle (default), JSON-LD, RDF/XML or N-Triples."""
    formats = {
        "ttl": ox.RdfFormat.TURTLE,
        "jsonld": ox.RdfFormat.JSON_LD,
        "rdf": ox.RdfFormat.RDF_XML,
        "nt": ox.RdfFormat.N_TRIPLES,
    }
    prefixes = CATALOG_PREFIXES if fmt in ("ttl", "rdf") else None
    return ox.serialize(triples, format=formats[fmt], prefixes=prefixes)


def void_triples(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The VoID part of a catalogue: statements with a void: predicate or class, the class
    partitions, and the datasets' titles and build dates (issued, modified)."""
    keep = [t for t in triples if t.predicate.value.startswith(VOID)]
    keep += [
        t for t in triples if t.predicate.value == RDF + "type" and t.object.value.startswith(VOID)
    ]
    # when the data was first and last built, on the VoID datasets themselves
    datasets = {t.subject for t in keep if t.object.value == VOID + "Dataset"}
    keep += [
        t
        for t in triples
        if t.subject in datasets
        and t.predicate.value in (DCTERMS + "modified", DCTERMS + "issued", DCTERMS + "title")
    ]
    return sorted(set(keep), key=str)


def write_catalog(
    store: ox.Store, version: str, manifest: dict, config: PublishConfig, out: Path
) -> int:
    triples = catalog_triples(store, version, manifest, config)
    out.write_bytes(serialize(triples))
    return len(triples)


def write_void(store: ox.Store, version: str, config: PublishConfig, out: Path) -> int:
    """VoID statistics alone (needs the Turtle dump's triple count: builds the downloads)."""
    manifest = build_downloads(store, version, out.parent)
    triples = void_triples(catalog_triples(store, version, manifest, config))
    out.write_bytes(serialize(triples))
    return len(triples)


def write_csvw(config: PublishConfig, out: Path) -> int:
    doc = csvw_metadata(config.url("/downloads/cdskg.csv"))
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(doc["tableSchema"]["columns"])
