"""gzip for what the pages send: HTML, JSON and the other text answers, compressed when the
client accepts gzip (the query endpoint ``/sparql`` compresses its own answers, see
:mod:`cdskg.web.sparql.answers`; static files and downloads are compressed once, see
:mod:`cdskg.web.static_files` and :func:`cdskg.publish.datafiles.build_downloads`).

>>> accepts_gzip("gzip, deflate, br")
True
>>> accepts_gzip("gzip;q=0, deflate")
False
>>> accepts_gzip("*")
True
"""

from __future__ import annotations

import zlib

from flask import Response
from werkzeug.datastructures import ETags

#: Bodies smaller than this go out as they are: gzip's header and the work cost more.
MIN_BYTES = 1024
#: zlib's level 6 (gzip's default): three quarters of level 9's gain at a third of its work.
LEVEL = 6
#: Media types worth compressing (text; binary formats such as fonts are compressed already).
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/problem+json",
    "application/ld+json",
    "application/javascript",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/rdf+xml",
    "application/sparql-results",
    "application/csvm+json",
    "image/svg+xml",
)


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header takes gzip (not refused with ``q=0``)."""
    if not header:
        return False
    star = False
    for part in header.split(","):
        fields = [f.strip().lower() for f in part.split(";")]
        refused = any(
            f.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for f in fields[1:]
        )
        if fields[0] in ("gzip", "x-gzip"):
            return not refused
        if fields[0] == "*":
            star = not refused
    return star


def compressible(mimetype: str | None) -> bool:
    return bool(mimetype) and mimetype.startswith(COMPRESSIBLE)  # type: ignore[union-attr]


def gzip_bytes(data: bytes) -> bytes:
    return zlib.compress(data, LEVEL, wbits=31)  # 31: the gzip container


def add_vary(resp: Response, name: str) -> None:
    vary = [v.strip() for v in resp.headers.get("Vary", "").split(",") if v.strip()]
    if name.lower() not in (v.lower() for v in vary):
        resp.headers["Vary"] = ", ".join([*vary, name])


def compress(
    resp: Response, accept_encoding: str | None, if_none_match: ETags | None = None
) -> Response:
    """``resp`` gzipped if it is worth it and the client takes it; else ``resp`` unchanged.

    Streamed and file answers (``direct_passthrough``) are left alone: the static files
    and downloads are compressed ahead of time. The ETag gets a ``-gzip`` suffix, so a
    cache never mixes the two encodings of one answer, and ``if_none_match`` (the request's
    ``If-None-Match``) holding it makes the answer a 304.
    """
    if (
        resp.status_code != 200
        or resp.direct_passthrough
        or resp.is_streamed
        or "Content-Encoding" in resp.headers
        or not compressible(resp.mimetype)
    ):
        return resp
    add_vary(resp, "Accept-Encoding")
    if not accepts_gzip(accept_encoding):
        return resp
    body = resp.get_data()
    if len(body) < MIN_BYTES:
        return resp
    etag, weak = resp.get_etag()
    if etag:
        resp.set_etag(etag + "-gzip", weak=weak)
        # the view compared the request's tags with the plain ETag; a client that has the
        # gzipped answer sends this one back
        if if_none_match is not None and if_none_match.contains_weak(etag + "-gzip"):
            resp.status_code = 304
            resp.set_data(b"")
            return resp
    resp.set_data(gzip_bytes(body))
    resp.headers["Content-Encoding"] = "gzip"
    return resp
