"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` and Graph Store read access at ``/store``.

* Queries by GET, POST form (``application/x-www-form-urlencoded``) and POST direct
  (``application/sparql-query``), with ``default-graph-uri`` / ``named-graph-uri``. Without
  them the default graph is the union of all graphs; naming only named graphs leaves it empty.
* Results negotiated by ``Accept`` (q-values) or a ``format``/``output`` parameter,
  serialised by pyoxigraph; results over 1 MB are spooled to a temporary file and streamed.
* Answers carry ``X-Store-Version`` and a weak ``ETag`` derived from the store version and
  the request, so ``If-None-Match`` gets a 304 without running the query; each worker keeps
  recent answers in memory per store version, so a rebuild never serves a stale answer.
* GET ``/sparql`` without a query: the Service Description for RDF clients, the query page
  for browsers.
* ``/store?graph=IRI``, ``/store?default`` and ``/store`` (GET, HEAD): the Graph Store
  Protocol's read side; ``?default`` is the union graph, as for queries.
* SPARQL Update only when enabled (``CDSKG_ENABLE_UPDATE`` and ``CDSKG_UPDATE_TOKEN``), by
  POST with ``Authorization: Bearer``; each update writes a new store generation.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import hmac
import io
import logging
import os
import sys
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote_plus

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.utils import get_content_type

from cdskg.errors import QueryError, StoreError
from cdskg.rdf.namespaces import PREFIXES, RDF, RDFS, SD
from cdskg.settings import Settings
from cdskg.store.generations import ReadOnlyStore, Stamp, next_generation
from cdskg.store.query import (
    GRAPH_FORMATS,
    ResultTooLarge,
    ServiceRefused,
    result_kind,
    run_query,
    write_result,
)
from cdskg.web.context import settings, store
from cdskg.web.errors import HttpError, error_bytes
from cdskg.web.negotiation import GRAPH_TYPES, best, choose, from_format_param, offered

log = logging.getLogger("cdskg.web.sparql")
bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
SPOOL_BYTES = 1 << 20  # results up to this size stay in memory (and may be cached)
CHUNK = 1 << 16
GZIP_MIN = 1400  # bodies smaller than one packet are not worth compressing
HTML_TYPES = ("text/html", "application/xhtml+xml")
FORMATS_NS = "http://www.w3.org/ns/formats/"
MULTIPART = "multipart/form-data"
#: Answers computed faster than this are not cached: a cache would save nothing on them.
CACHE_MIN_SECONDS = 0.002


@dataclass
class Operation:
    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)
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


@dataclass
class Exchange:
    """What the query path reads from a request, whichever layer (Flask or raw WSGI) parsed it."""

    method: str
    accept: str | None
    accept_encoding: str
    if_none_match: str | None
    base_url: str  # scheme://host[/script root], for the endpoint IRI (the query's base IRI)


@dataclass
class Answer:
    """Status, headers (without Content-Length for byte bodies) and body of an answer."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes | Iterable[bytes]


#: Headers on every answer: any origin may query (the data is public, the endpoint read-only
#: by default; updates need a bearer token, which browsers never send on their own).
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "ETag, X-Store-Version, Content-Length"),
)


class Endpoint:
    """The query path's per-application state: settings, the store view, the result cache."""

    #: Seconds between two looks at the ``current`` link itself, for switches that did not
    #: rewrite the stamp (a store made by an older cdskg, a link moved by hand).
    RECHECK = 1.0

    def __init__(self, settings: Settings, reader: ReadOnlyStore):
        self.settings = settings
        self.reader = reader
        self.cache = ResultCache(settings.cache_bytes)
        self._link = str(reader.layout.current_link)
        self._stamp = Stamp(reader.layout)
        #: the stamp, the link's target, the store, its version, when the link was read
        self._seen: tuple[bytes | None, str, ox.Store, str, float] | None = None

    def store(self) -> tuple[ox.Store, str]:
        """The current generation and its version. While the stamp in memory (see
        :class:`cdskg.store.generations.Stamp`) stays the same, this costs no system call; when it
        changes, and at least every ``RECHECK`` seconds, the ``current`` link is read and
        the store reopened if it moved. A store without a stamp costs a readlink."""
        seen = self._seen
        stamp = self._stamp.read()
        now = time.monotonic()
        if seen is not None and now - seen[4] < self.RECHECK:
            if stamp is not None:
                if stamp == seen[0]:
                    return seen[2], seen[3]
            else:
                with contextlib.suppress(OSError):
                    if os.readlink(self._link) == seen[1]:
                        return seen[2], seen[3]
        self._stamp.open()
        stamp = self._stamp.read()
        try:
            target = os.readlink(self._link)
        except OSError:
            target = ""
        st, version = self.reader.get()  # reopens the store only if the link moved
        self._seen = (stamp, target, st, version, now) if target else None
        return st, version


# ---------------------------------------------------------------- routes


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    op = _operation()
    if op.update is not None:
        return _update(op)
    if op.query is None:
        return _service_description()
    return _response(answer_query(_endpoint(), op, _exchange()))


@bp.route("/store", methods=["GET"])
@bp.route("/graph", methods=["GET"])
def graph_store() -> Response:
    """Graph Store Protocol, read side: ``?graph=IRI``, ``?default`` or the whole dataset."""
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if len(graphs) > 1 or (graphs and default):
        raise HttpError(400, "bad request", "give one graph=IRI, or default, not both")
    st, version = store()
    ex = _exchange()
    if not graphs and not default:
        offers = ["application/trig", "application/n-quads"]
    else:
        offers = [m for m in GRAPH_TYPES if GRAPH_TYPES[m] not in ("trig", "nq")]
    media = from_format_param(request.args["format"], "graph") if "format" in request.args else None
    if media is not None:
        media = GRAPH_FORMATS[media][1]
        if media not in offers:
            media = None
    media = media or best(ex.accept, offers)
    if media is None:
        raise _not_acceptable(offers)
    name = GRAPH_TYPES[media]
    rdf_format, canonical = GRAPH_FORMATS[name]
    etag = _etag(version, ("store", tuple(graphs), default, canonical))
    if _not_modified(ex.if_none_match, etag):
        return _response(_304(etag, version))
    spool = _spool()
    try:
        if graphs:
            try:
                node = ox.NamedNode(graphs[0])
            except ValueError as exc:
                raise HttpError(400, "bad request", f"graph: not an IRI ({exc})") from None
            if not st.contains_named_graph(node):
                raise HttpError(404, "not found", f"no graph named <{graphs[0]}> in this store")
            st.dump(spool, rdf_format, from_graph=node)
        elif default:
            union = run_query(st, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
            write_result(union, name, spool)
        else:
            st.dump(spool, rdf_format)
    except BaseException:
        spool.close()
        raise
    return _response(_send(spool, canonical, version, etag, ex, cache=None))


def _endpoint() -> Endpoint:
    return current_app.extensions["cdskg.endpoint"]


def _exchange() -> Exchange:
    h = request.headers
    return Exchange(
        request.method,
        h.get("Accept"),
        h.get("Accept-Encoding", ""),
        h.get("If-None-Match"),
        _base_url(),
    )


def _response(answer: Answer) -> Response:
    streamed = not isinstance(answer.body, bytes)
    return Response(
        answer.body, status=answer.status, headers=answer.headers, direct_passthrough=streamed
    )


# ---------------------------------------------------------------- request parsing


def _operation() -> Operation:
    ctype = (request.mimetype or "").lower()
    form = None
    if ctype == MULTIPART:
        form = lambda: Params(request.form.items(multi=True))  # noqa: E731
    return parse_operation(
        request.method,
        Params(request.args.items(multi=True)),
        ctype,
        request.mimetype_params.get("charset"),
        request.get_data,
        form,
    )


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
        using_graphs=params.getlist("using-graph-uri") + params.getlist("using-named-graph-uri"),
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


# ---------------------------------------------------------------- queries


def answer_query(ep: Endpoint, op: Operation, ex: Exchange) -> Answer:
    """Run ``op.query`` and serialise its result as negotiated; the one query path of both
    the Flask view and the raw WSGI fast path.

    :raises HttpError: bad query, format or Accept, a refused SERVICE, a result too large.
    :raises StoreError: the store cannot be opened.
    """
    assert op.query is not None
    cfg = ep.settings
    st, version = ep.store()
    key = (op.query, tuple(op.default_graphs), tuple(op.named_graphs), op.fmt, ex.accept)
    etag = _etag(version, key)
    if ex.method == "GET" and _not_modified(ex.if_none_match, etag):
        return _304(etag, version)
    hit = ep.cache.get(version, key)
    if hit is not None:
        media, body = hit
        return _bytes_answer(body, media, version, etag, ex)
    started = time.perf_counter()
    try:
        result = run_query(
            st,
            op.query,
            default_graph=_iris(op.default_graphs, "default-graph-uri"),
            named_graphs=_iris(op.named_graphs, "named-graph-uri"),
            allow_service=cfg.enable_service,
            base_iri=ex.base_url + "/sparql",
        )
    except ServiceRefused as exc:
        raise HttpError(403, "forbidden", str(exc)) from None
    except QueryError as exc:
        raise HttpError(400, "bad query", str(exc)) from None
    kind = result_kind(result)
    if op.fmt:
        fmt = from_format_param(op.fmt, kind)
        if fmt is None:
            raise HttpError(
                400,
                "bad format",
                f"format={op.fmt!r} is not offered for this query; offered: "
                + ", ".join(offered(kind)),
            )
    else:
        fmt = _choose(ex.accept, kind)
        if fmt is None:
            raise _not_acceptable(offered(kind))
    spool = _spool(cfg.max_answer_bytes)
    try:
        media = write_result(result, fmt, spool, max_results=cfg.max_results)
    except ResultTooLarge as exc:
        spool.close()
        raise HttpError(400, "result too large", str(exc)) from None
    except QueryError as exc:
        spool.close()
        raise HttpError(400, "bad query", str(exc)) from None
    except BaseException:
        spool.close()
        raise
    # Only answers that cost something to compute are worth memory (and evicting others).
    worth = time.perf_counter() - started >= CACHE_MIN_SECONDS
    return _send(spool, media, version, etag, ex, cache=(ep.cache, key) if worth else None)


def _send(
    spool: IO[bytes],
    media: str,
    version: str,
    etag: str,
    ex: Exchange,
    *,
    cache: tuple[ResultCache, tuple] | None,
) -> Answer:
    size = spool.tell()
    if size <= SPOOL_BYTES:
        body = spool.getvalue()
        spool.close()
        if cache is not None:
            cache[0].put(version, cache[1], media, body)
        return _bytes_answer(body, media, version, etag, ex)
    spool.seek(0)
    gzip = _wants_gzip(ex.accept_encoding)
    headers = [("Content-Type", _content_type(media))]
    if gzip:
        headers.append(("Content-Encoding", "gzip"))
    else:
        headers.append(("Content-Length", str(size)))
    return Answer(200, _headers(headers, version, etag, ex), _chunks(spool, gzip))


def _spool(limit: int = 0) -> IO[bytes]:
    """A file that stays in memory up to SPOOL_BYTES, then moves to a temporary file; with
    a ``limit``, writing past that many bytes raises :class:`ResultTooLarge`."""
    return _Spool(limit)  # type: ignore[return-value]


class _Spool:
    """What :class:`tempfile.SpooledTemporaryFile` does (memory, then a temporary file past
    SPOOL_BYTES) with only the methods the query path uses, at a sixth of its cost per
    answer (0.4 µs instead of 2.3 µs), which counts on point lookups.

    The ``limit`` stops an answer while pyoxigraph writes it (the exception a ``write``
    raises ends the serialisation and the query's evaluation with it): a query whose result
    has no end (a cross product) would otherwise fill the disk until the time limit, at
    tens to hundreds of MB a second, long before its rows could be counted."""

    __slots__ = ("file", "limit", "spilled")

    def __init__(self, limit: int = 0) -> None:
        self.file: IO[bytes] = io.BytesIO()
        self.spilled = False
        self.limit = limit or sys.maxsize

    def write(self, data: bytes) -> int:
        n = self.file.write(data)
        size = self.file.tell()
        if size > self.limit:
            raise ResultTooLarge(
                f"the answer grew past this endpoint's limit of {self.limit:,} bytes"
                " (CDSKG_MAX_ANSWER_BYTES) and the query was stopped; add LIMIT or narrow"
                " the query"
            )
        if not self.spilled and size > SPOOL_BYTES:
            memory = self.file
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
            self.file.write(memory.getbuffer())  # type: ignore[attr-defined]
            self.spilled = True
        return n

    def flush(self) -> None:
        self.file.flush()

    def tell(self) -> int:
        return self.file.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    def getvalue(self) -> bytes:
        """All that was written (the spool must not have spilled to a file)."""
        if self.spilled:
            self.file.seek(0)
            return self.file.read()
        return self.file.getvalue()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.file.close()

    def __getattr__(self, name: str) -> Any:  # the rest of the file API (csv counts rows)
        return getattr(self.file, name)


#: Accept header and result kind → format name; clients send few distinct Accept headers.
_CHOICES: dict[tuple[str | None, str], str | None] = {}


def _choose(accept: str | None, kind: str) -> str | None:
    key = (accept, kind)
    try:
        return _CHOICES[key]
    except KeyError:
        if len(_CHOICES) > 256:
            _CHOICES.clear()
        fmt = _CHOICES[key] = choose(accept, kind)
        return fmt


def _chunks(spool: IO[bytes], gzip: bool) -> Iterator[bytes]:
    try:
        z = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip else None
        while chunk := spool.read(CHUNK):
            out = z.compress(chunk) if z else chunk
            if out:
                yield out
        if z:
            yield z.flush()
    finally:
        spool.close()


#: media type → Content-Type value (werkzeug adds the charset where it belongs)
_CONTENT_TYPES: dict[str, str] = {}


def _content_type(media: str) -> str:
    try:
        return _CONTENT_TYPES[media]
    except KeyError:
        value = _CONTENT_TYPES[media] = get_content_type(media, "utf-8")
        return value


def _bytes_answer(body: bytes, media: str, version: str, etag: str, ex: Exchange) -> Answer:
    headers = [("Content-Type", _content_type(media))]
    if len(body) >= GZIP_MIN and _wants_gzip(ex.accept_encoding):
        body = zlib.compress(body, 6, wbits=31)
        headers.append(("Content-Encoding", "gzip"))
    return Answer(200, _headers(headers, version, etag, ex), body)


def _headers(
    headers: list[tuple[str, str]], version: str, etag: str, ex: Exchange
) -> list[tuple[str, str]]:
    """``headers`` with those every query answer carries, added in place."""
    headers += (("Vary", "Accept, Accept-Encoding"), ("X-Store-Version", version))
    if ex.method in ("GET", "HEAD"):
        headers += (("ETag", etag), ("Cache-Control", "no-cache"))
    return headers


def _wants_gzip(header: str) -> bool:
    if "gzip" not in header:
        return False
    for part in header.split(","):
        fields_ = [f.strip().lower() for f in part.split(";")]
        if fields_[0] in ("gzip", "x-gzip"):
            return not any(f.replace(" ", "") in ("q=0", "q=0.0", "q=0.00") for f in fields_[1:])
    return False


def _etag(version: str, key: tuple) -> str:
    digest = hashlib.blake2b(repr(key).encode("utf-8"), digest_size=12).hexdigest()
    return f'W/"{version}-{digest}"'


def _not_modified(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in header.split(","))


def _304(etag: str, version: str) -> Answer:
    headers = [
        ("ETag", etag),
        ("X-Store-Version", version),
        ("Vary", "Accept, Accept-Encoding"),
        ("Cache-Control", "no-cache"),
    ]
    return Answer(304, headers, b"")


def _not_acceptable(offers: list[str]) -> HttpError:
    return HttpError(
        406,
        "not acceptable",
        "none of the Accept types is offered; offered: " + ", ".join(offers),
    )


class ResultCache:
    """Recent answers of one worker, for the current store version only, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.version: str | None = None
        self.entries: OrderedDict[tuple, tuple[str, bytes]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, version: str, key: tuple) -> tuple[str, bytes] | None:
        if version != self.version or not self.entries:
            return None
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
            return hit

    def put(self, version: str, key: tuple, media: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self.lock:
            if version != self.version:
                self.entries.clear()
                self.size = 0
                self.version = version
            if key in self.entries:
                return
            self.entries[key] = (media, body)
            self.size += len(body)
            while self.size > self.max_bytes:
                _, (_, old) = self.entries.popitem(last=False)
                self.size -= len(old)


# ---------------------------------------------------------------- raw WSGI fast path


class FastPath:
    """WSGI middleware answering SPARQL queries (GET, POST form, POST direct at ``/sparql``)
    without Flask's routing, request and response objects, through the same plain functions
    as the Flask view (:func:`parse_operation`, :func:`answer_query`) and the same error
    shape. Everything else (the service description, updates, multipart forms, HEAD,
    OPTIONS, bodies without Content-Length) goes on to Flask.
    """

    def __init__(self, app: Callable[..., Any], endpoint: Endpoint):
        self.app = app
        self.endpoint = endpoint
        self.max_body = endpoint.settings.max_request_bytes
        self.base_url = endpoint.settings.base_url.rstrip("/")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        answer = self.answer(environ) if environ.get("PATH_INFO") == "/sparql" else None
        if answer is None:
            return self.app(environ, start_response)
        status, headers, body = answer
        if isinstance(body, bytes):
            if status != 304:
                headers.append(("Content-Length", str(len(body))))
            start_response(_STATUS_LINES.get(status) or str(status), headers)
            return [body]
        start_response(_STATUS_LINES.get(status) or str(status), headers)
        return body

    def answer(
        self, environ: dict[str, Any]
    ) -> tuple[int, list[tuple[str, str]], bytes | Iterable[bytes]] | None:
        """Status, headers and body of a query to ``/sparql`` (the caller checks the path),
        or None for requests Flask answers; the granian glue
        (:class:`cdskg.serve.server.GranianGlue`) calls it without the WSGI layer. Byte bodies
        come without Content-Length, which the server adds."""
        method = environ["REQUEST_METHOD"]
        qs = environ.get("QUERY_STRING", "")
        raw = b""
        ctype, charset = "", None
        try:
            if method == "GET":
                if "query=" not in qs:  # the service description, or an error Flask words
                    return None
            elif method == "POST":
                ctype, _, ctype_params = environ.get("CONTENT_TYPE", "").partition(";")
                ctype = ctype.strip().lower()
                length = environ.get("CONTENT_LENGTH", "")
                if ctype not in (FORM, QUERY_TYPE) or not length.isdigit():
                    return None
                if int(length) > self.max_body:
                    raise HttpError(413, "request too large", f"the limit is {self.max_body} bytes")
                raw = environ["wsgi.input"].read(int(length))
                charset = _charset(ctype_params)
            else:
                return None
            op = parse_operation(method, Params(_query_pairs(qs)), ctype, charset, lambda: raw)
            if op.query is None:  # an update: Flask's view reads the body again
                environ["wsgi.input"] = io.BytesIO(raw)
                return None
            answer = answer_query(self.endpoint, op, self._exchange(environ, method))
        except HttpError as exc:
            answer = _error(exc.status, exc.title, exc.detail, list(exc.headers.items()))
        except StoreError as exc:
            log.error("store unavailable: %s", exc)
            answer = _error(503, "store unavailable", "the store cannot be opened; see the log")
        except Exception:
            log.exception("error answering %s /sparql", method)
            answer = _error(500, "internal error", "the server failed; see its log")
        headers = answer.headers
        headers.extend(CORS_HEADERS)
        return answer.status, headers, answer.body

    def _exchange(self, environ: dict[str, Any], method: str) -> Exchange:
        base = self.base_url
        if not base:
            scheme = environ.get("wsgi.url_scheme", "http")
            host = environ.get("HTTP_HOST", "")
            if scheme == "http" and host.endswith(":80"):
                host = host[:-3]
            elif scheme == "https" and host.endswith(":443"):
                host = host[:-4]
            base = f"{scheme}://{host}{environ.get('SCRIPT_NAME', '')}"
        return Exchange(
            method,
            environ.get("HTTP_ACCEPT"),
            environ.get("HTTP_ACCEPT_ENCODING", ""),
            environ.get("HTTP_IF_NONE_MATCH"),
            base,
        )


_STATUS_LINES = {code: f"{code} {text}" for code, text in HTTP_STATUS_CODES.items()}


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
_escape_decode: Callable[[bytes], tuple[bytes, int]] | None = getattr(codecs, "escape_decode", None)


def _unquote(text: str) -> str:
    """``urllib.parse.unquote_plus``, a tenth of its cost on a percent-encoded query (it
    decodes escape by escape in Python; this lets the C escape decoder do it).

    >>> _unquote("B%C3%ACnh+Th%E1%BB%A7y+100%25+a%2Bb%5C")
    'Bình Thủy 100% a+b\\\\'
    >>> _unquote("100%zz+%4")  # not escapes: kept, as unquote_plus does
    '100%zz %4'
    """
    if "%" not in text:
        return text.replace("+", " ")
    if _escape_decode is None:
        return unquote_plus(text)
    try:
        # Original backslashes are doubled, so the decoder sees only \\ and \xHH.
        raw = text.replace("\\", "\\\\").replace("%", "\\x").replace("+", " ")
        data = _escape_decode(raw.encode("ascii"))[0]
    except (ValueError, UnicodeEncodeError):  # a % that starts no escape, or not ASCII
        return unquote_plus(text)
    return data.decode("utf-8", "replace")


def _charset(params: str) -> str | None:
    for part in params.split(";"):
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"')
    return None


def _error(status: int, title: str, detail: str, extra: list | None = None) -> Answer:
    headers = [("Content-Type", "application/json"), *(extra or [])]
    return Answer(status, headers, error_bytes(status, title, detail))


# ---------------------------------------------------------------- service description


def _base_url() -> str:
    """The public URL of this server: CDSKG_BASE_URL, or what the request was sent to."""
    base = settings().base_url.rstrip("/")
    if base:
        return base
    # Cheaper than request.url_root, which builds and IRI-decodes the whole URL.
    return f"{request.scheme}://{request.host}{request.script_root}"


def _endpoint_iri() -> str:
    return _base_url() + "/sparql"


def _service_description() -> Response:
    accept = request.headers.get("Accept")
    offers = [*GRAPH_TYPES, *HTML_TYPES]
    media = best(accept, offers)
    if media is None:
        raise _not_acceptable(offers)
    if media in HTML_TYPES:
        return Response(render_template("sparql.html"), mimetype="text/html")
    st, version = store()
    name = GRAPH_TYPES[media]
    rdf_format, canonical = GRAPH_FORMATS[name]
    etag = _etag(version, ("sd", _endpoint_iri(), canonical))
    ex = _exchange()
    if _not_modified(ex.if_none_match, etag):
        return _response(_304(etag, version))
    out = _spool()
    ox.serialize(_description(st), out, rdf_format, prefixes={"sd": SD, "formats": FORMATS_NS})
    return _response(_send(out, canonical, version, etag, ex, cache=None))


def _description(st: ox.Store) -> list[ox.Triple]:
    cfg = settings()
    endpoint = ox.NamedNode(_endpoint_iri())
    sd = lambda local: ox.NamedNode(SD + local)  # noqa: E731
    rdf_type = ox.NamedNode(RDF + "type")
    triples = [
        ox.Triple(endpoint, rdf_type, sd("Service")),
        ox.Triple(endpoint, sd("endpoint"), endpoint),
        ox.Triple(endpoint, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(endpoint, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(
            endpoint,
            sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
    ]
    if cfg.enable_update:
        triples.append(ox.Triple(endpoint, sd("supportedLanguage"), sd("SPARQL11Update")))
    if cfg.enable_service:
        triples.append(ox.Triple(endpoint, sd("feature"), sd("BasicFederatedQuery")))
    for local in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
        "TriG",
        "N-Quads",
    ):
        triples.append(ox.Triple(endpoint, sd("resultFormat"), ox.NamedNode(FORMATS_NS + local)))
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("union")
    triples += [
        ox.Triple(endpoint, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, rdf_type, sd("Graph")),
        ox.Triple(
            default,
            ox.NamedNode(RDFS + "comment"),
            ox.Literal("The union of all named graphs (articles, reference data, build metadata)."),
        ),
    ]
    base = _base_url()
    triples.append(ox.Triple(dataset, ox.NamedNode(RDFS + "seeAlso"), ox.NamedNode(base + "/void")))
    for i, graph in enumerate(sorted(st.named_graphs(), key=str)):
        if not isinstance(graph, ox.NamedNode):
            continue
        named = ox.BlankNode(f"g{i}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, rdf_type, sd("NamedGraph")),
            ox.Triple(named, sd("name"), graph),
        ]
    return triples


# ---------------------------------------------------------------- updates


def _update(op: Operation) -> Response:
    cfg = settings()
    if not cfg.enable_update:
        raise HttpError(403, "forbidden", "this endpoint is read-only")
    auth = request.headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    if (
        not cfg.update_token
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(token.strip().encode(), cfg.update_token.encode())
    ):
        raise HttpError(
            401,
            "unauthorized",
            "SPARQL Update needs Authorization: Bearer <the server's update token>",
            headers={"WWW-Authenticate": 'Bearer realm="cdskg"'},
        )
    if op.using_graphs:
        raise HttpError(
            400,
            "bad request",
            "using-graph-uri / using-named-graph-uri are not supported; use USING in the update",
        )
    assert op.update is not None
    root = Path(current_app.extensions["cdskg.store"].layout.root)
    # next_generation holds STORE/.write.lock, so updates and builds take turns
    try:
        with next_generation(root) as writable:
            writable.update(op.update, prefixes=PREFIXES, base_iri=_endpoint_iri())
    except SyntaxError as exc:
        raise HttpError(400, "bad update", f"update syntax error: {exc}") from None
    except OSError as exc:
        log.error("update failed: %s", exc)
        raise HttpError(500, "update failed", "the update could not be applied") from None
    _, version = store()
    log.warning(
        "SPARQL update applied from %s, new store version %s: %.300s",
        request.remote_addr,
        version,
        op.update.replace("\n", " "),
    )
    resp = Response(status=204)
    resp.headers["X-Store-Version"] = version
    return resp
