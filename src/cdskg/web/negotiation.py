"""Content negotiation: pick a result format from an Accept header or a ``format`` name.

The Accept header is matched as RFC 9110 says: every offered media type gets the q-value
of the most specific range that matches it (``text/csv`` beats ``text/*`` beats ``*/*``),
the highest q wins, and ties go to the server's order of preference (SPARQL JSON for
solutions, Turtle for graphs).
"""

from __future__ import annotations

from collections.abc import Sequence

from cdskg.rdf import formats

#: Media types accepted for SELECT/ASK results, best first → format name.
SOLUTION_TYPES: dict[str, str] = formats.media_to_name(formats.RESULTS)
#: Media types accepted for CONSTRUCT/DESCRIBE results and graphs, best first → format name.
GRAPH_TYPES: dict[str, str] = formats.media_to_name(formats.RDF)
#: Names accepted by the ``format`` parameter (besides the media types themselves).
_FORMAT_NAMES: dict[str, dict[str, str]] = {
    "solutions": {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "srj": "json"},
    "graph": {
        "ttl": "ttl",
        "turtle": "ttl",
        "nt": "nt",
        "ntriples": "nt",
        "n-triples": "nt",
        "jsonld": "jsonld",
        "json-ld": "jsonld",
        "json": "jsonld",
        "rdfxml": "xml",
        "rdf": "xml",
        "xml": "xml",
        "trig": "trig",
        "nq": "nq",
        "nquads": "nq",
        "n-quads": "nq",
    },
}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, in header order (q=0 ranges included)."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields_ = [f.strip() for f in part.split(";")]
        media = fields_[0].lower()
        if not media:
            continue
        if media == "*":
            media = "*/*"
        q = 1.0
        for f in fields_[1:]:
            if f.lower().startswith("q="):
                try:
                    q = min(1.0, max(0.0, float(f[2:])))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def quality(ranges: list[tuple[str, float]], media: str) -> float:
    """The q-value that ``ranges`` give ``media`` (most specific matching range)."""
    best_spec, best_q = -1, 0.0
    major = media.split("/", 1)[0]
    for rng, q in ranges:
        if rng == media:
            spec = 2
        elif rng == major + "/*":
            spec = 1
        elif rng == "*/*":
            spec = 0
        else:
            continue
        if spec > best_spec:
            best_spec, best_q = spec, q
    return best_q


def best(header: str | None, offers: Sequence[str]) -> str | None:
    """The offered media type the Accept ``header`` likes best, None if it accepts none."""
    ranges = parse_accept(header)
    winner, winner_q = None, 0.0
    for media in offers:
        q = quality(ranges, media)
        if q > winner_q:
            winner, winner_q = media, q
    return winner


def choose(accept: str | None, kind: str) -> str | None:
    """The format name for a result ``kind`` ("solutions", "boolean" or "graph")."""
    table = GRAPH_TYPES if kind == "graph" else SOLUTION_TYPES
    media = best(accept, list(table))
    return table[media] if media else None


def from_format_param(value: str, kind: str) -> str | None:
    """The format name for a ``format=`` parameter (a short name or a media type)."""
    value = value.strip().lower()
    table = GRAPH_TYPES if kind == "graph" else SOLUTION_TYPES
    if value in table:
        return table[value]
    names = _FORMAT_NAMES["graph" if kind == "graph" else "solutions"]
    return names.get(value)


def offered(kind: str) -> list[str]:
    """The media types offered for a result ``kind``, best first."""
    return list(GRAPH_TYPES if kind == "graph" else SOLUTION_TYPES)
