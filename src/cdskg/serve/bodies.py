"""Reading a request body where it enters the server, under a size limit and a deadline,
whatever its framing (``Content-Length`` or chunked), before any view sees it.

A chunked body over the limit was once cut at the limit and executed (Werkzeug reads a
stream without a length only up to ``MAX_CONTENT_LENGTH``): here it is refused whole. A
body that arrives a byte at a time is read in growing pieces, so its deadline is checked
each time a piece is complete: a client that keeps sending is stopped at about twice the
deadline at most. (A client that stops sending altogether holds its thread until it goes:
granian's WSGI body read cannot be interrupted; the spare threads of each worker, see
:mod:`cdskg.serve.granian_glue`, keep such clients away from the query slots.)
"""

from __future__ import annotations

import time
from typing import Any

from cdskg.web.errors import error_bytes

#: Methods whose requests may carry a body worth reading (others are read only when they
#: announce one).
BODY_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
#: The first piece read; each next one is twice as large, up to ``LARGEST_PIECE``. A read
#: returns only when its piece is complete, so the first is one byte: a body sent a byte at
#: a time is then noticed after its second piece (a few more reads per body, microseconds).
FIRST_PIECE = 1
LARGEST_PIECE = 1 << 16


class BodyRefused(Exception):
    """The body is too large (413) or too slow (408): the answer to send, ready made."""

    def __init__(self, status: int, title: str, detail: str):
        super().__init__(detail)
        self.status = status
        self.body = error_bytes(status, title, detail)
        self.headers = [
            ("Content-Type", "application/json"),
            ("Access-Control-Allow-Origin", "*"),
            ("Connection", "close"),
        ]


def has_body(environ: dict[str, Any]) -> bool:
    return (
        environ.get("REQUEST_METHOD") in BODY_METHODS
        or bool(environ.get("CONTENT_LENGTH"))
        or "HTTP_TRANSFER_ENCODING" in environ
    )


def read_body(stream: Any, length: str | None, limit: int, timeout: float) -> bytes:
    """All of the body in ``stream`` (``wsgi.input``), ``length`` its Content-Length.

    :raises BodyRefused: 413 past ``limit`` bytes (announced or sent), 408 when the body
        is not complete within ``timeout`` seconds, 400 for a malformed Content-Length.
    """
    too_large = BodyRefused(413, "request too large", f"the limit is {limit} bytes")
    if length:
        if not length.isdigit():
            raise BodyRefused(400, "bad request", f"Content-Length: {length!r} is not a number")
        if int(length) > limit:
            raise too_large
        want = int(length)
    else:
        want = limit + 1  # read until the end, one byte past the limit at most
    deadline = time.monotonic() + timeout
    pieces: list[bytes] = []
    got = 0
    piece = FIRST_PIECE
    while got < want:
        data = stream.read(min(piece, want - got))
        if not data:
            break
        pieces.append(data)
        got += len(data)
        if got > limit:
            raise too_large
        if time.monotonic() > deadline and got < want:
            raise BodyRefused(
                408,
                "request timeout",
                f"the request body did not arrive within {timeout:g} s (CDSKG_BODY_TIMEOUT)",
            )
        piece = min(piece * 2, LARGEST_PIECE)
    if length and got < want:  # the client went, or the stream failed: never run a part
        raise BodyRefused(
            400, "bad request", f"the request body ended after {got} of its {want} bytes"
        )
    return b"".join(pieces)
