"""Reading a SPARQL 1.1 Protocol request: which operation (query or update), its dataset
parameters and the requested format, from the URL and the body, as plain values that the
Flask view and the raw WSGI fast path share.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

import pyoxigraph as ox

from cdskg.web.errors import HttpError

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
MULTIPART = "multipart/form-data"


@dataclass
class Operation:
    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)
    using_named_graphs: list[str] = field(default_factory=list)
    fmt: str | None = None


# ---------------------------------------------------------------- plain request/answer types


class Params:
    """Request parameters in order, repeated names kept (like a MultiDict, without Werkzeug)."""

    __slots__ = ("by_name", "pairs")

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        self.pairs = list(pairs)
        self.by_name: dict[str, list[str]] = {}
        for k, v in self.pairs:
            self.by_name.setdefault(k, []).append(v)

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def get(self, name: str) -> str | None:
        values = self.by_name.get(name)
        return values[0] if values else None

    def getlist(self, name: str) -> list[str]:
        return list(self.by_name.get(name, ()))


def parse_operation(
    method: str,
    args: Params,
    ctype: str,
    charset: str | None,
    body: Callable[[], bytes],
    form: Callable[[], Params] | None = None,
) -> Operation:
    """The operation of a protocol request: URL ``args``, body media type ``ctype`` (lower
    case, no parameters) and ``charset``, ``body()`` the raw body, ``form()`` a parsed
    multipart form (None: multipart is not accepted by this caller).

    :raises HttpError: 400 for malformed requests, 415 for bodies that are not SPARQL.
    """
    if method != "POST":
        if "update" in args:
            raise HttpError(
                400, "bad request", "SPARQL Update is not accepted over GET; send it with POST"
            )
        params = args
        queries = args.getlist("query")
        updates: list[str] = []
    else:
        charset = (charset or "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise HttpError(400, "bad request", f"the request body must be UTF-8, not {charset!r}")
        if not ctype:
            raise HttpError(
                400,
                "bad request",
                "the POST has no Content-Type; send application/x-www-form-urlencoded"
                f" (query=… or update=…), {QUERY_TYPE} or {UPDATE_TYPE}",
            )
        if ctype in (QUERY_TYPE, UPDATE_TYPE):
            if "query" in args or "update" in args:
                raise HttpError(
                    400, "bad request", f"with {ctype}, the operation goes in the body only"
                )
            text = _utf8(body())
            queries, updates = ([text], []) if ctype == QUERY_TYPE else ([], [text])
            params = args
        elif ctype == FORM or (ctype == MULTIPART and form is not None):
            if ctype == FORM:
                fields_ = Params(form_pairs(_utf8(body())))
            else:
                assert form is not None
                fields_ = form()
            queries = args.getlist("query") + fields_.getlist("query")
            updates = args.getlist("update") + fields_.getlist("update")
            params = Params(args.pairs + fields_.pairs)  # URL parameters first, as before
        else:
            raise HttpError(
                415,
                "unsupported media type",
                f"{ctype} is not a SPARQL request; send {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}",
            )
        if not queries and not updates:
            raise HttpError(400, "bad request", "no query in the request; send query=…")
    if queries and updates:
        raise HttpError(400, "bad request", "send either a query or an update, not both")
    if len(queries) > 1 or len(updates) > 1:
        raise HttpError(400, "bad request", "exactly one query (or update) parameter is allowed")
    fmt = params.get("format") or params.get("output")
    return Operation(
        query=queries[0] if queries else None,
        update=updates[0] if updates else None,
        default_graphs=params.getlist("default-graph-uri"),
        named_graphs=params.getlist("named-graph-uri"),
        using_graphs=params.getlist("using-graph-uri"),
        using_named_graphs=params.getlist("using-named-graph-uri"),
        fmt=fmt,
    )


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(
            400, "bad request", f"the request body is not UTF-8 (byte {exc.start})"
        ) from None


def _iris(values: list[str], param: str) -> list[ox.NamedNode] | None:
    if not values:
        return None
    try:
        return [ox.NamedNode(v) for v in values]
    except ValueError as exc:
        raise HttpError(400, "bad request", f"{param}: not an IRI ({exc})") from None


def _query_pairs(qs: str) -> list[tuple[str, str]]:
    # WSGI gives the raw query string as latin-1; the percent-escapes are UTF-8.
    if not qs.isascii():
        qs = qs.encode("latin-1").decode("utf-8", "replace")
    return form_pairs(qs)


def form_pairs(text: str) -> list[tuple[str, str]]:
    """The name/value pairs of a query string or form body, as
    ``urllib.parse.parse_qsl(text, keep_blank_values=True)`` gives them.

    >>> form_pairs("query=ASK%20%7B%7D&format=json&default-graph-uri=&x")
    [('query', 'ASK {}'), ('format', 'json'), ('default-graph-uri', ''), ('x', '')]
    """
    pairs = []
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((_unquote(name), _unquote(value)))
    return pairs


#: CPython's C decoder of backslash escapes (undocumented but stable; pickle uses it).

#: A ``%`` that starts no escape, or a line break: text the quoted-printable decoder would
#: read differently from ``unquote_plus``.
_NOT_PLAIN_ESCAPES = re.compile(r"%(?![0-9A-Fa-f]{2})|[\r\n]")


def _unquote(text: str) -> str:
    """``urllib.parse.unquote_plus``, at a third of its cost on a percent-encoded query (it
    decodes escape by escape in Python): ``%XX`` becomes the quoted-printable ``=XX`` that
    :func:`binascii.a2b_qp` decodes in C (an original ``=`` becomes ``=3D`` first). Text
    it would read differently (a ``%`` that starts no escape, a line break, non-ASCII) goes
    to ``unquote_plus``.

    >>> _unquote("B%C3%ACnh+Th%E1%BB%A7y+100%25+a%2Bb%5C+x%3Dy=z")
    'Bình Thủy 100% a+b\\\\ x=y=z'
    >>> _unquote("100%zz+%4")  # not escapes: kept, as unquote_plus does
    '100%zz %4'
    """
    if "%" not in text:
        return text.replace("+", " ")
    if not text.isascii() or _NOT_PLAIN_ESCAPES.search(text):
        return unquote_plus(text)
    raw = text.replace("=", "=3D").replace("%", "=").replace("+", " ")
    return binascii.a2b_qp(raw.encode("ascii")).decode("utf-8", "replace")


def _charset(params: str) -> str | None:
    for part in params.split(";"):
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"')
    return None
