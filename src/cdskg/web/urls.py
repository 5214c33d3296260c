"""Every URL of the web pages, built in one place (as Datasette's ``url_builder``).

cdskg's IRIs live under ``https://w3id.org/cdskg/`` whatever server holds the data; a
server answers for them at the same path (``https://w3id.org/cdskg/id/unit/…`` is served at
``/id/unit/…``). Pages therefore link to *paths*, relative to the server they come from,
and the RDF they serve keeps the canonical IRIs unchanged.

>>> resource("https://w3id.org/cdskg/id/unit/pre2025/district/918")
'/id/unit/pre2025/district/918'
>>> resource("https://w3id.org/cdskg/ontology#Pillar")
'/ontology#Pillar'
>>> resource("http://qudt.org/vocab/unit/PERCENT") is None
True
>>> query_page("ranking", {"indicator": "https://w3id.org/cdskg/id/indicator/x"}, fmt="csv")
'/queries/ranking?indicator=https%3A%2F%2Fw3id.org%2Fcdskg%2Fid%2Findicator%2Fx&format=csv'
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from cdskg.rdf.namespaces import BASE, CDSKG, ID

ONTOLOGY_IRI = BASE + "ontology"


def iri_of_path(path: str) -> str:
    """The canonical IRI served at ``/id/{path}``."""
    return ID + path


def resource(iri: str, fmt: str | None = None) -> str | None:
    """The local page of a cdskg IRI, or None for an IRI cdskg does not mint."""
    if iri.startswith(ID):
        url = "/id/" + quote(iri[len(ID) :], safe="/-._~#")
        if fmt:
            base = url.partition("#")[0]
            url = f"{base}?{urlencode({'format': fmt})}"
        return url
    if iri.startswith(CDSKG):
        return "/ontology#" + quote(iri[len(CDSKG) :], safe="-._~")
    if iri in (ONTOLOGY_IRI, BASE + "ontology/0.1.0"):
        return "/ontology"
    return None


def home(lang: str | None = None) -> str:
    return "/" + (f"?{urlencode({'lang': lang})}" if lang else "")


def search(q: str) -> str:
    return "/search?" + urlencode({"q": q})


def ontology() -> str:
    return "/ontology"


def sparql_ui() -> str:
    return "/sparql"


def sparql_endpoint() -> str:
    return "/sparql"


def queries() -> str:
    return "/queries"


def query_page(name: str, params: dict[str, str] | None = None, fmt: str | None = None) -> str:
    """The page (or, with ``fmt``, the JSON/CSV answer) of a catalogue query."""
    args = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    if fmt:
        args["format"] = fmt
    url = "/queries/" + quote(name)
    return url + (f"?{urlencode(args)}" if args else "")


def facts(args: dict[str, str] | None = None, fmt: str | None = None) -> str:
    """The table of observations, filtered by ``args`` (``indicator=online-dossier-rate``),
    as a page or, with ``fmt`` (csv, json), as data."""
    given = {k: v for k, v in (args or {}).items() if v not in (None, "")}
    if fmt:
        given["format"] = fmt
    return "/facts" + (f"?{urlencode(given)}" if given else "")


def localities() -> str:
    """The localities that have facts, most facts first."""
    return "/localities"


def static(path: str) -> str:
    """The versioned URL of a static file (its content hash in the name), which browsers
    keep for a year; see :mod:`cdskg.web.static_files`."""
    from cdskg.web.static_files import versioned

    return "/static/" + versioned(path)


def with_lang(path: str, lang: str) -> str:
    """``path`` with its ``lang`` argument set (the language switch)."""
    base, _, frag = path.partition("#")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}{urlencode({'lang': lang})}" + (f"#{frag}" if frag else "")


def vocabulary() -> str:
    """The store's classes, properties and predeclared prefixes, for the editor (JSON)."""
    return "/vocabulary"
