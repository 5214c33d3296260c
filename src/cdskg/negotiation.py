"""Content negotiation: pick a result format from an Accept header or a format name."""

from __future__ import annotations

from cdskg.query import GRAPH_FORMATS, RESULT_FORMATS

_ALIASES = {
    "application/json": "json",
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
_GRAPH_ALIASES = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nq",
}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first (stable for equal q)."""
    if not header:
        return [("*/*", 1.0)]
    ranges = []
    for i, part in enumerate(header.split(",")):
        fields_ = [f.strip() for f in part.split(";")]
        media = fields_[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields_[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append((media, q, i))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(m, q) for m, q, _ in ranges if q > 0]


def choose(accept: str | None, kind: str) -> str | None:
    """The format name for a result ``kind`` ("solutions" or "graph"), None if none fits."""
    aliases = _GRAPH_ALIASES if kind == "graph" else _ALIASES
    default = "ttl" if kind == "graph" else "json"
    for media, _q in parse_accept(accept):
        if media == "*/*":
            return default
        if media.endswith("/*"):
            prefix = media[:-1]
            if _type_of(kind, default).startswith(prefix):
                return default
            hit = _first_of(aliases, prefix)
            if hit:
                return hit
            continue
        if media in aliases:
            return aliases[media]
    return None


def _type_of(kind: str, name: str) -> str:
    table = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
    return table[name][1]


def _first_of(aliases: dict[str, str], prefix: str) -> str | None:
    for media, name in aliases.items():
        if media.startswith(prefix):
            return name
    return None


def offered(kind: str) -> list[str]:
    table = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
    return [media for _, media in table.values()]
